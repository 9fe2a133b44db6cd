package discordtest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
)

func rep(s string, n int) string { return strings.Repeat(s, n) }

// check runs a validator and compares the first problem's path (or none).
func check(t *testing.T, name string, ps Problems, wantPath string) {
	t.Helper()
	switch {
	case wantPath == "" && len(ps) > 0:
		t.Errorf("%s: unexpected problems: %v", name, ps)
	case wantPath != "" && len(ps) == 0:
		t.Errorf("%s: no problem, want one at %q", name, wantPath)
	case wantPath != "" && ps[0].Path != wantPath:
		t.Errorf("%s: first problem %v, want path %q", name, ps, wantPath)
	}
}

func opts(n int) string {
	var o []string
	for i := range n {
		o = append(o, `{"type":3,"name":"o`+string(rune('a'+i%26))+rep("x", i/26)+`","description":"d"}`)
	}
	return "[" + strings.Join(o, ",") + "]"
}

func choices(n int) string {
	var c []string
	for range n {
		c = append(c, `{"name":"n","value":"v"}`)
	}
	return "[" + strings.Join(c, ",") + "]"
}

func TestValidateCommand(t *testing.T) {
	tests := []struct {
		name, json, path string
	}{
		{"valid", `{"name":"story","description":"Stories","options":[{"type":1,"name":"add","description":"Add","options":[{"type":11,"name":"file","description":"f","required":true},{"type":3,"name":"rating","description":"r","choices":[{"name":"Explicit","value":"Explicit"}]}]}]}`, ""},
		{"valid unicode name", `{"name":"histoire-é","description":"d"}`, ""},
		{"valid discordgo empty strings", `{"name":"x","description":"d","options":null,"name_localizations":null,"type":1}`, ""},
		{"valid message command", `{"type":3,"name":"Save excerpt","description":""}`, ""},
		{"uppercase", `{"name":"Story","description":"d"}`, "name"},
		{"space in slash name", `{"name":"my story","description":"d"}`, "name"},
		{"name too long", `{"name":"` + rep("a", 33) + `","description":"d"}`, "name"},
		{"no description", `{"name":"a","description":""}`, "description"},
		{"description too long", `{"name":"a","description":"` + rep("d", 101) + `"}`, "description"},
		{"26 options", `{"name":"a","description":"d","options":` + opts(26) + `}`, "options"},
		{"required after optional", `{"name":"a","description":"d","options":[{"type":3,"name":"x","description":"d"},{"type":3,"name":"y","description":"d","required":true}]}`, "options.1.required"},
		{"duplicate option", `{"name":"a","description":"d","options":[{"type":3,"name":"x","description":"d"},{"type":3,"name":"x","description":"d"}]}`, "options.1.name"},
		{"option description missing", `{"name":"a","description":"d","options":[{"type":3,"name":"x"}]}`, "options.0.description"},
		{"26 choices", `{"name":"a","description":"d","options":[{"type":3,"name":"x","description":"d","choices":` + choices(26) + `}]}`, "options.0.choices"},
		{"choice name too long", `{"name":"a","description":"d","options":[{"type":3,"name":"x","description":"d","choices":[{"name":"` + rep("n", 101) + `","value":"v"}]}]}`, "options.0.choices.0.name"},
		{"choice value too long", `{"name":"a","description":"d","options":[{"type":3,"name":"x","description":"d","choices":[{"name":"n","value":"` + rep("v", 101) + `"}]}]}`, "options.0.choices.0.value"},
		{"autocomplete with choices", `{"name":"a","description":"d","options":[{"type":3,"name":"x","description":"d","autocomplete":true,"choices":[{"name":"n","value":"v"}]}]}`, "options.0.autocomplete"},
		{"large but under 8000", `{"name":"a","description":"d","options":[` + strings.TrimSuffix(strings.Repeat(`{"type":3,"name":"x`+"\u00e9"+`","description":"`+rep("d", 100)+`","choices":`+strings.ReplaceAll(choices(25), `"n"`, `"`+rep("n", 100)+`"`)+`},`, 1), ",") + `]}`, ""},
		{"max_length 0 counts as absent", `{"name":"a","description":"d","options":[{"type":3,"name":"x","description":"d","max_length":0}]}`, ""},
		{"max_length 6001", `{"name":"a","description":"d","options":[{"type":3,"name":"x","description":"d","max_length":6001}]}`, "options.0.max_length"},
		{"min above max", `{"name":"a","description":"d","options":[{"type":4,"name":"x","description":"d","min_value":5,"max_value":1}]}`, "options.0.min_value"},
		{"user command with description", `{"type":2,"name":"Kudos","description":"no"}`, "description"},
	}
	for _, tc := range tests {
		check(t, tc.name, ValidateCommandJSON([]byte(tc.json)), tc.path)
	}
	// 8000 characters: 2 options of 25 long choices each.
	var big []string
	for i := range 3 {
		big = append(big, `{"type":3,"name":"o`+string(rune('a'+i))+`","description":"`+rep("d", 100)+`","choices":`+strings.ReplaceAll(choices(25), `"n"`, `"`+rep("n", 100)+`"`)+`}`)
	}
	big8k := strings.ReplaceAll(`{"name":"a","description":"d","options":[`+strings.Join(big, ",")+`]}`, `"v"`, `"`+rep("v", 100)+`"`)
	if ps := ValidateCommandJSON([]byte(big8k)); len(ps) == 0 || ps[0].Code != "APPLICATION_COMMAND_TOO_LARGE" {
		t.Errorf("over 8000: %v", ps)
	}
}

func TestValidateCommandsScope(t *testing.T) {
	var many []string
	for i := range 16 {
		many = append(many, `{"type":3,"name":"M`+string(rune('a'+i))+`"}`)
	}
	if ps := ValidateCommandsJSON([]byte("[" + strings.Join(many, ",") + "]")); len(ps) != 1 {
		t.Errorf("16 message commands: %v", ps)
	}
	check(t, "duplicate", ValidateCommandsJSON([]byte(`[{"name":"a","description":"d"},{"name":"a","description":"d"}]`)), "1.name")
	check(t, "same name other type", ValidateCommandsJSON([]byte(`[{"name":"a","description":"d"},{"type":2,"name":"a"}]`)), "")
	if err := CheckCommands([]*discordgo.ApplicationCommand{{Name: "ok", Description: "fine"}}); err != nil {
		t.Error(err)
	}
}

func embedJSON(kv string) string { return `{"embeds":[{` + kv + `}]}` }

func fields(n int, name, value string) string {
	var f []string
	for range n {
		f = append(f, `{"name":"`+name+`","value":"`+value+`"}`)
	}
	return `"fields":[` + strings.Join(f, ",") + `]`
}

func row(items ...string) string { return `{"type":1,"components":[` + strings.Join(items, ",") + `]}` }
func button(id string) string    { return `{"type":2,"style":1,"label":"b","custom_id":"` + id + `"}` }
func msgComponents(rows ...string) string {
	return `{"content":"x","components":[` + strings.Join(rows, ",") + `]}`
}

func TestValidateMessage(t *testing.T) {
	sel := func(n int) string {
		var o []string
		for i := range n {
			o = append(o, `{"label":"l","value":"v`+string(rune('a'+i%26))+rep("z", i/26)+`"}`)
		}
		return `{"type":3,"custom_id":"s","options":[` + strings.Join(o, ",") + `]}`
	}
	tests := []struct{ name, json, path string }{
		{"valid", `{"content":"hi","embeds":[{"title":"t","description":"d","fields":[{"name":"n","value":"v"}],"footer":{"text":"f"},"author":{"name":"a"}}]}`, ""},
		{"discordgo nulls", `{"content":"","embeds":null,"components":null,"tts":false}`, ""},
		{"content 2000 ok", `{"content":"` + rep("é", 2000) + `"}`, ""},
		{"content 2001", `{"content":"` + rep("a", 2001) + `"}`, "content"},
		{"attachment description 1024 ok", `{"attachments":[{"id":0,"description":"` + rep("é", 1024) + `"}]}`, ""},
		{"attachment description 1025", `{"attachments":[{"id":0,"description":"` + rep("d", 1025) + `"}]}`, "attachments.0.description"},
		{"11 embeds", `{"embeds":[` + strings.TrimSuffix(rep(`{"title":"t"},`, 11), ",") + `]}`, "embeds"},
		{"title 257", embedJSON(`"title":"` + rep("t", 257) + `"`), "embeds.0.title"},
		{"description 4097", embedJSON(`"description":"` + rep("d", 4097) + `"`), "embeds.0.description"},
		{"26 fields", embedJSON(fields(26, "n", "v")), "embeds.0.fields"},
		{"field name 257", embedJSON(fields(1, rep("n", 257), "v")), "embeds.0.fields.0.name"},
		{"field value 1025", embedJSON(fields(1, "n", rep("v", 1025))), "embeds.0.fields.0.value"},
		{"empty field value", embedJSON(fields(1, "n", "")), "embeds.0.fields.0.value"},
		{"footer 2049", embedJSON(`"footer":{"text":"` + rep("f", 2049) + `"}`), "embeds.0.footer.text"},
		{"author 257", embedJSON(`"author":{"name":"` + rep("a", 257) + `"}`), "embeds.0.author.name"},
		{"6001 total", `{"embeds":[{"description":"` + rep("d", 4000) + `"},{"description":"` + rep("d", 2001) + `"}]}`, "embeds"},
		{"6000 after trim", `{"embeds":[{"description":"` + rep("d", 4000) + `"},{"description":"  ` + rep("d", 2000) + `  "}]}`, ""},
		{"6 rows", msgComponents(row(button("a")), row(button("b")), row(button("c")), row(button("d")), row(button("e")), row(button("f"))), "components"},
		{"6 buttons", msgComponents(row(button("a"), button("b"), button("c"), button("d"), button("e"), button("f"))), "components.0.components"},
		{"duplicate custom_id", msgComponents(row(button("a")), row(button("a"))), "components.1.components.0.custom_id"},
		{"custom_id 101", msgComponents(row(button(rep("c", 101)))), "components.0.components.0.custom_id"},
		{"button no custom_id", msgComponents(row(`{"type":2,"style":1,"label":"b","custom_id":""}`)), "components.0.components.0.custom_id"},
		{"label 81", msgComponents(row(`{"type":2,"style":1,"label":"` + rep("l", 81) + `","custom_id":"a"}`)), "components.0.components.0.label"},
		{"link with custom_id", msgComponents(row(`{"type":2,"style":5,"label":"AO3","url":"https://archiveofourown.org/works/1","custom_id":"a"}`)), "components.0.components.0.custom_id"},
		{"link url 513", msgComponents(row(`{"type":2,"style":5,"label":"AO3","url":"https://` + rep("u", 505) + `"}`)), "components.0.components.0.url"},
		{"valid link", msgComponents(row(`{"type":2,"style":5,"label":"AO3","url":"https://archiveofourown.org/works/1","custom_id":""}`)), ""},
		{"select with button", msgComponents(row(sel(2), button("a"))), "components.0.components"},
		{"select 26 options", msgComponents(row(sel(26))), "components.0.components.0.options"},
		{"select 0 options", msgComponents(row(`{"type":3,"custom_id":"s","options":[]}`)), "components.0.components.0.options"},
		{"select label 101", msgComponents(row(`{"type":3,"custom_id":"s","options":[{"label":"` + rep("l", 101) + `","value":"v"}]}`)), "components.0.components.0.options.0.label"},
		{"select placeholder 151", msgComponents(row(`{"type":3,"custom_id":"s","placeholder":"` + rep("p", 151) + `","options":[{"label":"l","value":"v"}]}`)), "components.0.components.0.placeholder"},
		{"text input in message", msgComponents(row(`{"type":4,"custom_id":"t","label":"l","style":1}`)), "components.0.components.0.type"},
		{"parse bad", `{"content":"x","allowed_mentions":{"parse":["channels"]}}`, "allowed_mentions.parse.0"},
		{"parse users and list", `{"content":"x","allowed_mentions":{"parse":["users"],"users":["1"]}}`, "allowed_mentions.users"},
		{"parse empty ok", `{"content":"x","allowed_mentions":{"parse":[]}}`, ""},
		{"nonce 26", `{"content":"x","nonce":"` + rep("n", 26) + `"}`, "nonce"},
	}
	for _, tc := range tests {
		check(t, tc.name, ValidateMessageJSON([]byte(tc.json)), tc.path)
	}
	check(t, "empty new message", ValidateNewMessageJSON([]byte(`{"content":""}`), false), "content")
	check(t, "file-only message", ValidateNewMessageJSON([]byte(`{"content":""}`), true), "")
	if err := CheckMessage(&discordgo.MessageSend{Content: "hello"}); err != nil {
		t.Error(err)
	}
}

func modalJSON(title string, rows ...string) string {
	return `{"custom_id":"m","title":"` + title + `","components":[` + strings.Join(rows, ",") + `]}`
}
func input(id, label string) string {
	return row(`{"type":4,"custom_id":"` + id + `","label":"` + label + `","style":2}`)
}

func TestValidateModalAndThread(t *testing.T) {
	tests := []struct{ name, json, path string }{
		{"valid", modalJSON("Note", input("a", "Excerpt")), ""},
		{"title 46", modalJSON(rep("t", 46), input("a", "l")), "title"},
		{"no rows", modalJSON("t"), "components"},
		{"6 rows", modalJSON("t", input("a", "l"), input("b", "l"), input("c", "l"), input("d", "l"), input("e", "l"), input("f", "l")), "components"},
		{"two inputs in a row", modalJSON("t", row(`{"type":4,"custom_id":"a","label":"l","style":1}`, `{"type":4,"custom_id":"b","label":"l","style":1}`)), "components.0.components"},
		{"label 46", modalJSON("t", input("a", rep("l", 46))), "components.0.components.0.label"},
		{"value 4001", modalJSON("t", row(`{"type":4,"custom_id":"a","label":"l","style":1,"value":"`+rep("v", 4001)+`"}`)), "components.0.components.0.value"},
		{"button in modal", modalJSON("t", row(button("a"))), "components.0.components.0.type"},
	}
	for _, tc := range tests {
		check(t, tc.name, ValidateModalJSON([]byte(tc.json)), tc.path)
	}
	threads := []struct {
		name, json string
		forum      bool
		path       string
	}{
		{"valid", `{"name":"Checkpoint 1","auto_archive_duration":1440}`, false, ""},
		{"no duration", `{"name":"x","auto_archive_duration":0}`, false, ""},
		{"empty name", `{"name":""}`, false, "name"},
		{"name 101", `{"name":"` + rep("n", 101) + `"}`, false, "name"},
		{"bad duration", `{"name":"x","auto_archive_duration":100}`, false, "auto_archive_duration"},
		{"forum without message", `{"name":"x"}`, true, "message"},
		{"forum empty message", `{"name":"x","message":{"content":""}}`, true, "message.content"},
		{"forum valid", `{"name":"x","message":{"content":"rec"}}`, true, ""},
	}
	for _, tc := range threads {
		check(t, "thread "+tc.name, ValidateThreadJSON([]byte(tc.json), tc.forum, false), tc.path)
	}
}

func TestValidateResponse(t *testing.T) {
	const (
		cmd   = discordgo.InteractionApplicationCommand
		comp  = discordgo.InteractionMessageComponent
		auto  = discordgo.InteractionApplicationCommandAutocomplete
		modal = discordgo.InteractionModalSubmit
	)
	tests := []struct {
		name    string
		it      discordgo.InteractionType
		fromMsg bool
		json    string
		path    string
	}{
		{"message", cmd, false, `{"type":4,"data":{"content":"hi","tts":false,"embeds":null,"components":null}}`, ""},
		{"empty message", cmd, false, `{"type":4,"data":{"content":""}}`, "data.content"},
		{"ephemeral message", cmd, false, `{"type":4,"data":{"content":"hi","flags":64}}`, ""},
		{"bad flags", cmd, false, `{"type":4,"data":{"content":"hi","flags":2}}`, "data.flags"},
		{"defer", cmd, false, `{"type":5}`, ""},
		{"defer ephemeral", cmd, false, `{"type":5,"data":{"flags":64,"content":""}}`, ""},
		{"defer suppress embeds", cmd, false, `{"type":5,"data":{"flags":68}}`, "data.flags"},
		{"update for command", cmd, false, `{"type":7,"data":{"content":"x"}}`, "type"},
		{"deferred update for command", cmd, false, `{"type":6}`, "type"},
		{"update for component", comp, true, `{"type":7,"data":{"content":"x"}}`, ""},
		{"deferred update for modal from component", modal, true, `{"type":6}`, ""},
		{"deferred update for modal not from component", modal, false, `{"type":6}`, "type"},
		{"autocomplete result", auto, false, `{"type":8,"data":{"choices":[{"name":"a","value":"1"}],"content":"","tts":false}}`, ""},
		{"autocomplete 26", auto, false, `{"type":8,"data":{"choices":` + choices(26) + `}}`, "data.choices"},
		{"autocomplete name 101", auto, false, `{"type":8,"data":{"choices":[{"name":"` + rep("n", 101) + `","value":"1"}]}}`, "data.choices.0.name"},
		{"autocomplete answered with message", auto, false, `{"type":4,"data":{"content":"x"}}`, "type"},
		{"autocomplete result for command", cmd, false, `{"type":8,"data":{"choices":[]}}`, "type"},
		{"modal", cmd, false, `{"type":9,"data":` + modalJSON("Note", input("a", "l")) + `}`, ""},
		{"modal for modal", modal, false, `{"type":9,"data":` + modalJSON("Note", input("a", "l")) + `}`, "type"},
		{"modal title 46", comp, true, `{"type":9,"data":` + modalJSON(rep("t", 46), input("a", "l")) + `}`, "data.title"},
		{"pong", cmd, false, `{"type":1}`, "type"},
		{"content too long", cmd, false, `{"type":4,"data":{"content":"` + rep("a", 2001) + `"}}`, "data.content"},
	}
	for _, tc := range tests {
		check(t, tc.name, ValidateResponseJSON([]byte(tc.json), tc.it, tc.fromMsg, false), tc.path)
	}
	err := CheckResponse(cmd, false, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{Content: "x"}})
	if err != nil {
		t.Error(err)
	}
}

func TestErrorsObject(t *testing.T) {
	ps := Problems{{Path: "data.embeds.0.title", Code: "BASE_TYPE_MAX_LENGTH", Message: "too long"}}
	b, _ := json.Marshal(ps.errorsObject())
	want := `{"data":{"embeds":{"0":{"title":{"_errors":[{"code":"BASE_TYPE_MAX_LENGTH","message":"too long"}]}}}}}`
	if string(b) != want {
		t.Errorf("errors = %s\nwant %s", b, want)
	}
}
