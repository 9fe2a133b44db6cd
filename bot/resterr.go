package bot

import (
	"errors"
	"net/http"

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
