// Package fakes holds an in-memory Discord client for unit tests of packages
// commands and jobs, which take their Discord as an interface. Unlike
// package discordtest it runs no server: Discord records what it is asked
// to send and answers at once. Production code does not import it.
package fakes

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/bwmarrin/discordgo"
)

// Discord records sends and threads; StartThread can fail on demand. It
// implements commands.Discord and the Discord interfaces of package jobs.
// Tests read its fields directly once the code under test has returned.
type Discord struct {
	mu          sync.Mutex
	Sends       []string        // nonces, one a message posted
	Threads     map[string]bool // message IDs with a thread
	ThreadFails []error         // returned by the next StartThread calls
	Posted      []*discordgo.Message
	byNonce     map[string]*discordgo.Message
	next        int
}

func (f *Discord) id() string { f.next++; return fmt.Sprintf("9%017d", f.next) }

// SendMessage posts m in ch without a nonce.
func (f *Discord) SendMessage(ctx context.Context, ch string, m *discordgo.MessageSend) (*discordgo.Message, error) {
	return f.SendMessageOnce(ctx, ch, "", m)
}

// SendMessageOnce posts m in ch, or returns the message an earlier call
// with the same non-empty nonce posted, as Discord does within its window.
func (f *Discord) SendMessageOnce(_ context.Context, ch, nonce string, m *discordgo.MessageSend) (*discordgo.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.byNonce == nil {
		f.byNonce = map[string]*discordgo.Message{}
	}
	if msg, ok := f.byNonce[nonce]; ok && nonce != "" {
		return msg, nil
	}
	f.Sends = append(f.Sends, nonce)
	msg := &discordgo.Message{ID: f.id(), ChannelID: ch, Content: m.Content, Components: m.Components}
	f.byNonce[nonce] = msg
	f.Posted = append(f.Posted, msg)
	return msg, nil
}

// OwnMessages returns up to limit of the messages posted in ch, newest first.
func (f *Discord) OwnMessages(_ context.Context, ch string, limit int) ([]*discordgo.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*discordgo.Message
	for i := len(f.Posted) - 1; i >= 0 && len(out) < limit; i-- {
		if f.Posted[i].ChannelID == ch {
			out = append(out, f.Posted[i])
		}
	}
	return out, nil
}

// ForgetNonces is Discord after its nonce window: a repeat posts again.
func (f *Discord) ForgetNonces() {
	f.mu.Lock()
	f.byNonce = nil
	f.mu.Unlock()
}

// EditMessage succeeds and records nothing.
func (f *Discord) EditMessage(context.Context, string, string, *discordgo.MessageEdit) (*discordgo.Message, error) {
	return &discordgo.Message{}, nil
}

// StartThread fails with the next of ThreadFails, if any; otherwise it
// opens a thread on msg (its ID is msg's), or fails as Discord does
// (code 160004) when msg has one already.
func (f *Discord) StartThread(_ context.Context, ch, msg, name string) (*discordgo.Channel, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.ThreadFails) > 0 {
		err := f.ThreadFails[0]
		f.ThreadFails = f.ThreadFails[1:]
		if err != nil {
			return nil, err
		}
	}
	if f.Threads == nil {
		f.Threads = map[string]bool{}
	}
	if f.Threads[msg] {
		return nil, &discordgo.RESTError{Response: &http.Response{StatusCode: 400}, Message: &discordgo.APIErrorMessage{Code: 160004}}
	}
	f.Threads[msg] = true
	return &discordgo.Channel{ID: msg, Name: name}, nil
}

// AddThread records a thread on msg, as one that Discord created although
// the call that asked for it failed.
func (f *Discord) AddThread(msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Threads == nil {
		f.Threads = map[string]bool{}
	}
	f.Threads[msg] = true
}

// CreateThread is not used by the tests; it fails.
func (f *Discord) CreateThread(context.Context, string, string) (*discordgo.Channel, error) {
	return nil, errors.New("not used")
}

// StartForumPost is not used by the tests; it fails.
func (f *Discord) StartForumPost(context.Context, string, string, *discordgo.MessageSend) (*discordgo.Channel, error) {
	return nil, errors.New("not used")
}

// Channel returns a guild text channel with ID id.
func (f *Discord) Channel(_ context.Context, id string) (*discordgo.Channel, error) {
	return &discordgo.Channel{ID: id, Type: discordgo.ChannelTypeGuildText}, nil
}

// FetchAttachment is not used by the tests; it fails.
func (f *Discord) FetchAttachment(context.Context, string, int64) ([]byte, error) {
	return nil, errors.New("not used")
}
