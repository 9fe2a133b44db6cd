// Package hotbackup lets `ficshelf backup FILE` take a consistent copy of
// the database while the bot is running.
//
// BoltDB lets one process hold a database file, so a second process cannot
// read it while the bot runs. The running bot therefore listens on a Unix
// socket beside the database (SocketPath); `ficshelf backup` sends it the
// absolute path of the copy to write, and the bot writes a copy taken in one
// read transaction there. The socket has mode 0600: only the bot's own user
// can ask, so the bot writes nothing that user could not write itself.
//
// Protocol, one request per connection: the client sends
// "BACKUP <absolute path>\n"; the server answers "OK <bytes>\n" once the
// copy is complete and synced, or "ERR <message>\n".
package hotbackup

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SocketPath returns the socket path used for the database at dbPath.
func SocketPath(dbPath string) string { return dbPath + ".sock" }

// BackupFunc writes a consistent copy of the database to w and returns the
// number of bytes written (bolt.Store.Backup, the BoltDB engine's extra).
type BackupFunc func(w io.Writer) (int64, error)

// Server serves backup requests on a Unix socket until Close.
type Server struct {
	ln     net.Listener
	path   string
	backup BackupFunc
	log    *slog.Logger
	wg     sync.WaitGroup
}

// Listen serves backup requests on the socket at path. A socket file left by
// a crashed bot is replaced: only the process holding the database lock
// calls Listen, so any socket file present belongs to a dead process.
func Listen(path string, backup BackupFunc, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("hotbackup: remove stale socket: %w", err)
		}
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("hotbackup: listen on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("hotbackup: chmod socket: %w", err)
	}
	s := &Server{ln: ln, path: path, backup: backup, log: log}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer conn.Close()
			s.handle(conn)
		}()
	}
}

func (s *Server) handle(conn net.Conn) {
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(io.LimitReader(conn, 8192)).ReadString('\n')
	dest, ok := strings.CutPrefix(strings.TrimRight(line, "\n"), "BACKUP ")
	if err != nil || !ok || !filepath.IsAbs(dest) {
		fmt.Fprintf(conn, "ERR expected BACKUP <absolute path>\n")
		return
	}
	conn.SetReadDeadline(time.Time{})
	n, err := WriteFile(dest, s.backup)
	if err != nil {
		s.log.Warn("backup failed", "dest", dest, "err", err)
		fmt.Fprintf(conn, "ERR %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		return
	}
	s.log.Info("backup written", "dest", dest, "bytes", n)
	fmt.Fprintf(conn, "OK %d\n", n)
}

// Close stops serving, waits for copies in progress and removes the socket.
func (s *Server) Close() error {
	err := s.ln.Close()
	s.wg.Wait()
	os.Remove(s.path)
	return err
}

// ErrNoServer means no running bot answered on the socket.
var ErrNoServer = errors.New("no running bot answered on the backup socket")

// Fetch asks the bot serving the socket at sockPath to write a copy of its
// database to dest, and returns the copy's size in bytes.
func Fetch(ctx context.Context, sockPath, dest string) (int64, error) {
	abs, err := filepath.Abs(dest)
	if err != nil {
		return 0, fmt.Errorf("hotbackup: %w", err)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", sockPath)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrNoServer, err)
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	}
	if _, err := fmt.Fprintf(conn, "BACKUP %s\n", abs); err != nil {
		return 0, fmt.Errorf("hotbackup: send request: %w", err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return 0, fmt.Errorf("hotbackup: read answer: %w", err)
	}
	line = strings.TrimSpace(line)
	if msg, ok := strings.CutPrefix(line, "ERR "); ok {
		return 0, fmt.Errorf("hotbackup: the running bot could not write the copy: %s", msg)
	}
	sizeText, ok := strings.CutPrefix(line, "OK ")
	size, err := strconv.ParseInt(sizeText, 10, 64)
	if !ok || err != nil {
		return 0, fmt.Errorf("hotbackup: unexpected answer %q", line)
	}
	return size, nil
}

// WriteFile writes a copy made by backup to dest atomically: into a
// temporary file in dest's directory, fsynced, then renamed over dest, so
// dest is never a partial copy. The file has mode 0600.
func WriteFile(dest string, backup BackupFunc) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".*.tmp")
	if err != nil {
		return 0, fmt.Errorf("hotbackup: create %s: %w", dest, err)
	}
	defer os.Remove(tmp.Name())
	n, err := backup(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o600)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dest)
	}
	if err != nil {
		return 0, fmt.Errorf("hotbackup: write %s: %w", dest, err)
	}
	return n, nil
}
