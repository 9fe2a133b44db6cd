package bot

import (
	"errors"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"
)

// RESTCode returns the JSON error code and HTTP status of a failed REST
// call (a *discordgo.RESTError anywhere in err's chain); zeros otherwise.
func RESTCode(err error) (code, status int) {
	var re *discordgo.RESTError
	if !errors.As(err, &re) {
		return 0, 0
	}
	if re.Message != nil {
		code = re.Message.Code
	}
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	return code, status
}

// ChannelGone reports whether err says the channel or thread no longer
// exists (10003 Unknown Channel, or a 404).
func ChannelGone(err error) bool {
	code, status := RESTCode(err)
	return code == discordgo.ErrCodeUnknownChannel || status == http.StatusNotFound
}

// Permanent reports whether a failed post will fail again however often
// it is retried: the channel, message or access is gone.
func Permanent(err error) bool {
	code, status := RESTCode(err)
	switch code {
	case discordgo.ErrCodeUnknownChannel, discordgo.ErrCodeUnknownMessage, discordgo.ErrCodeMissingAccess,
		discordgo.ErrCodeMissingPermissions, discordgo.ErrCodeCannotSendMessagesInVoiceChannel:
		return true
	}
	return status == http.StatusForbidden || status == http.StatusNotFound
}

// NonceTrust is how long after a first attempt to post a message Discord is
// trusted to return that post for the same nonce (it promises "the past
// few minutes"). A retry after that looks for the earlier post among the
// channel's latest messages (OwnMessages, at most MaxScan) first.
const NonceTrust = 2 * time.Minute

// MaxScan is the most messages one OwnMessages call looks at (Discord's
// limit for one page of a channel's messages).
const MaxScan = 100
