package hotbackup

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestFetchWritesCopy(t *testing.T) {
	dir := t.TempDir()
	sock := SocketPath(filepath.Join(dir, "bot.db"))
	data := bytes.Repeat([]byte("ficshelf"), 10000)
	srv, err := Listen(sock, func(w io.Writer) (int64, error) {
		n, err := w.Write(data)
		return int64(n), err
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode: %v %v", fi, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dest := filepath.Join(dir, "copy.db")
	n, err := Fetch(ctx, sock, dest)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(dest)
	if n != int64(len(data)) || !bytes.Equal(got, data) {
		t.Errorf("got %d bytes (%d on disk), want %d", n, len(got), len(data))
	}
}

func TestFetchReportsFailureAndLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	sock := SocketPath(filepath.Join(dir, "bot.db"))
	srv, err := Listen(sock, func(w io.Writer) (int64, error) {
		w.Write([]byte("partial"))
		return 7, errors.New("disk on fire")
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dest := filepath.Join(dir, "copy.db")
	if _, err := Fetch(context.Background(), sock, dest); err == nil {
		t.Fatal("want an error")
	}
	if _, err := os.Stat(dest); !os.IsNotExist(err) {
		t.Errorf("a partial copy was left at %s", dest)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if filepath.Ext(e.Name()) == ".tmp" {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

func TestFetchWithoutServer(t *testing.T) {
	_, err := Fetch(context.Background(), filepath.Join(t.TempDir(), "none.sock"), "x")
	if !errors.Is(err, ErrNoServer) {
		t.Errorf("got %v, want ErrNoServer", err)
	}
}

func TestListenReplacesStaleSocket(t *testing.T) {
	sock := SocketPath(filepath.Join(t.TempDir(), "bot.db"))
	first, err := Listen(sock, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Simulate a crash: the listener goes away but the file stays.
	first.ln.(interface{ SetUnlinkOnClose(bool) }).SetUnlinkOnClose(false)
	first.ln.Close()
	first.wg.Wait()
	second, err := Listen(sock, nil, nil)
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	second.Close()
}
