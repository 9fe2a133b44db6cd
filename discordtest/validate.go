package discordtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// Problem is one limit a payload breaks. Path uses Discord's error-key style:
// dot-separated field names and list indexes, e.g. "data.embeds.0.title".
type Problem struct {
	Path    string
	Code    string // Discord-style error code such as BASE_TYPE_MAX_LENGTH
	Message string
}

func (p Problem) String() string { return p.Path + ": " + p.Message }

// Problems is a list of Problem; it implements error when non-empty.
type Problems []Problem

func (ps Problems) Error() string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, "; ")
}

// Err returns ps as an error, or nil when ps is empty.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// errorsObject builds Discord's nested "errors" object for a 50035 answer.
func (ps Problems) errorsObject() map[string]any {
	root := map[string]any{}
	for _, p := range ps {
		node := root
		if p.Path != "" {
			for _, seg := range strings.Split(p.Path, ".") {
				child, ok := node[seg].(map[string]any)
				if !ok {
					child = map[string]any{}
					node[seg] = child
				}
				node = child
			}
		}
		errs, _ := node["_errors"].([]any)
		node["_errors"] = append(errs, map[string]any{"code": p.Code, "message": p.Message})
	}
	return root
}

type obj = map[string]any

// checker collects problems while walking a decoded JSON payload.
type checker struct{ ps Problems }

func (c *checker) add(path, code, format string, args ...any) {
	c.ps = append(c.ps, Problem{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
}

func join(path string, seg any) string {
	s := fmt.Sprint(seg)
	if path == "" {
		return s
	}
	return path + "." + s
}

// decode parses JSON with numbers kept exact.
func decode(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

func decodeObj(raw []byte) (obj, Problems) {
	v, err := decode(raw)
	if err != nil {
		return nil, Problems{{Code: "JSON_INVALID", Message: "body is not valid JSON: " + err.Error()}}
	}
	m, ok := v.(obj)
	if !ok {
		return nil, Problems{{Code: "MODEL_TYPE_CONVERT", Message: "body must be a JSON object"}}
	}
	return m, nil
}

// str returns a string field; "" and null count as absent.
func str(m obj, k string) (string, bool) {
	s, ok := m[k].(string)
	if !ok || s == "" {
		return "", false
	}
	return s, true
}

func arr(m obj, k string) []any {
	a, _ := m[k].([]any)
	return a
}

func sub(m obj, k string) obj {
	o, _ := m[k].(obj)
	return o
}

func num(m obj, k string) (float64, bool) {
	switch v := m[k].(type) {
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case float64:
		return v, true
	case string: // snowflake-style numbers
		if v == "" {
			return 0, false
		}
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil
	}
	return 0, false
}

func intField(m obj, k string) int {
	f, _ := num(m, k)
	return int(f)
}

func boolean(m obj, k string) bool {
	b, _ := m[k].(bool)
	return b
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// length checks a string field's rune length against [min, max]; min 0 means optional.
func (c *checker) length(m obj, path, k string, min, max int) {
	s, ok := str(m, k)
	if !ok {
		if min > 0 {
			c.add(join(path, k), "BASE_TYPE_REQUIRED", "%s is required", k)
		}
		return
	}
	if n := runes(s); n < min || n > max {
		c.add(join(path, k), "BASE_TYPE_BAD_LENGTH", "%s must be %d to %d characters long, got %d", k, min, max, n)
	}
}

var slashName = regexp.MustCompile(`^[-_'\p{L}\p{N}\p{Devanagari}\p{Thai}]{1,32}$`)

// Command types.
const (
	chatInput = 1
	userCmd   = 2
)

// ValidateCommandJSON checks one application command definition as sent in a
// bulk overwrite.
func ValidateCommandJSON(raw []byte) Problems {
	m, ps := decodeObj(raw)
	if ps != nil {
		return ps
	}
	c := &checker{}
	c.command(m, "")
	return c.ps
}

// ValidateCommandsJSON checks a bulk-overwrite body: a list of commands, with
// the per-scope counts (100 slash, 15 user, 15 message) and names unique per type.
func ValidateCommandsJSON(raw []byte) Problems {
	v, err := decode(raw)
	if err != nil {
		return Problems{{Code: "JSON_INVALID", Message: "body is not valid JSON: " + err.Error()}}
	}
	list, ok := v.([]any)
	if !ok {
		return Problems{{Code: "MODEL_TYPE_CONVERT", Message: "body must be a JSON array of commands"}}
	}
	c := &checker{}
	counts := map[int]int{}
	seen := map[string]bool{}
	for i, e := range list {
		m, ok := e.(obj)
		path := strconv.Itoa(i)
		if !ok {
			c.add(path, "MODEL_TYPE_CONVERT", "command must be an object")
			continue
		}
		c.command(m, path)
		t := intField(m, "type")
		if t == 0 {
			t = chatInput
		}
		counts[t]++
		name, _ := str(m, "name")
		key := strconv.Itoa(t) + "/" + name
		if seen[key] {
			c.add(join(path, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", "command name %q is used twice for type %d", name, t)
		}
		seen[key] = true
	}
	if counts[chatInput] > 100 {
		c.add("", "BASE_TYPE_MAX_LENGTH", "%d slash commands, at most 100", counts[chatInput])
	}
	if counts[userCmd] > 15 {
		c.add("", "BASE_TYPE_MAX_LENGTH", "%d user commands, at most 15", counts[userCmd])
	}
	if counts[3] > 15 {
		c.add("", "BASE_TYPE_MAX_LENGTH", "%d message commands, at most 15", counts[3])
	}
	return c.ps
}

func (c *checker) command(m obj, path string) {
	t := intField(m, "type")
	if t == 0 {
		t = chatInput
	}
	name, _ := str(m, "name")
	switch t {
	case chatInput:
		c.slashName(m, path)
		c.length(m, path, "description", 1, 100)
		c.options(arr(m, "options"), join(path, "options"), 0)
	case userCmd, 3:
		c.length(m, path, "name", 1, 32)
		if _, ok := str(m, "description"); ok {
			c.add(join(path, "description"), "APPLICATION_COMMAND_DESCRIPTION_INVALID", "user and message commands take no description")
		}
		if len(arr(m, "options")) > 0 {
			c.add(join(path, "options"), "APPLICATION_COMMAND_OPTIONS_INVALID", "user and message commands take no options")
		}
	default:
		c.add(join(path, "type"), "BASE_TYPE_CHOICES", "unknown command type %d", t)
	}
	if n := commandLength(m); n > 8000 {
		c.add(path, "APPLICATION_COMMAND_TOO_LARGE", "command %q is %d characters long (names, descriptions and values), at most 8000", name, n)
	}
}

func (c *checker) slashName(m obj, path string) {
	name, ok := str(m, "name")
	if !ok {
		c.add(join(path, "name"), "BASE_TYPE_REQUIRED", "name is required")
		return
	}
	if !slashName.MatchString(name) {
		c.add(join(path, "name"), "APPLICATION_COMMAND_INVALID_NAME", "name %q must match ^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$", name)
	} else if strings.ToLower(name) != name {
		c.add(join(path, "name"), "APPLICATION_COMMAND_INVALID_NAME", "name %q must be lowercase", name)
	}
}

// options checks one level of options; depth 0 is the command itself.
func (c *checker) options(list []any, path string, depth int) {
	if len(list) > 25 {
		c.add(path, "BASE_TYPE_MAX_LENGTH", "%d options, at most 25", len(list))
	}
	names := map[string]bool{}
	seenOptional := false
	for i, e := range list {
		p := join(path, i)
		m, ok := e.(obj)
		if !ok {
			c.add(p, "MODEL_TYPE_CONVERT", "option must be an object")
			continue
		}
		c.slashName(m, p)
		c.length(m, p, "description", 1, 100)
		name, _ := str(m, "name")
		if names[name] {
			c.add(join(p, "name"), "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "option name %q is used twice at this level", name)
		}
		names[name] = true
		t := intField(m, "type")
		switch {
		case t == 1 || t == 2:
			if depth >= 2 || (t == 2 && depth >= 1) {
				c.add(join(p, "type"), "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "subcommand or group nested too deep")
			}
			if boolean(m, "required") {
				c.add(join(p, "required"), "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "subcommands and groups cannot be required")
			}
			subs := arr(m, "options")
			if t == 2 {
				for j, s := range subs {
					if so, ok := s.(obj); ok && intField(so, "type") != 1 {
						c.add(join(join(p, "options"), j), "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "a group holds only subcommands")
					}
				}
			}
			c.options(subs, join(p, "options"), depth+1)
			continue
		case t >= 3 && t <= 11:
		default:
			c.add(join(p, "type"), "BASE_TYPE_CHOICES", "unknown option type %d", t)
		}
		if boolean(m, "required") {
			if seenOptional {
				c.add(join(p, "required"), "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "required option %q comes after an optional one", name)
			}
		} else {
			seenOptional = true
		}
		choices := arr(m, "choices")
		if len(choices) > 0 && boolean(m, "autocomplete") {
			c.add(join(p, "autocomplete"), "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID", "autocomplete and choices cannot be used together")
		}
		if len(choices) > 0 && t != 3 && t != 4 && t != 10 {
			c.add(join(p, "choices"), "APPLICATION_COMMAND_OPTIONS_CHOICES_INVALID", "choices only for string, integer and number options")
		}
		c.choices(choices, join(p, "choices"), t == 3)
		if minL, ok := num(m, "min_length"); ok && (minL < 0 || minL > 6000) {
			c.add(join(p, "min_length"), "NUMBER_TYPE_MAX", "min_length must be 0 to 6000")
		}
		if maxL, ok := num(m, "max_length"); ok && maxL != 0 && (maxL < 1 || maxL > 6000) {
			c.add(join(p, "max_length"), "NUMBER_TYPE_MAX", "max_length must be 1 to 6000")
		}
		minV, hasMin := num(m, "min_value")
		maxV, hasMax := num(m, "max_value")
		if hasMin && hasMax && minV > maxV {
			c.add(join(p, "min_value"), "NUMBER_TYPE_MAX", "min_value %v is above max_value %v", minV, maxV)
		}
		if len(arr(m, "options")) > 0 {
			c.add(join(p, "options"), "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "only subcommands and groups have options")
		}
	}
}

func (c *checker) choices(list []any, path string, stringValues bool) {
	if len(list) > 25 {
		c.add(path, "BASE_TYPE_MAX_LENGTH", "%d choices, at most 25", len(list))
	}
	for i, e := range list {
		p := join(path, i)
		m, ok := e.(obj)
		if !ok {
			c.add(p, "MODEL_TYPE_CONVERT", "choice must be an object")
			continue
		}
		c.length(m, p, "name", 1, 100)
		switch v := m["value"].(type) {
		case string:
			if runes(v) > 100 {
				c.add(join(p, "value"), "BASE_TYPE_BAD_LENGTH", "choice value is %d characters, at most 100", runes(v))
			}
			if v == "" && stringValues {
				c.add(join(p, "value"), "BASE_TYPE_BAD_LENGTH", "choice value must not be empty")
			}
		case nil:
			c.add(join(p, "value"), "BASE_TYPE_REQUIRED", "choice value is required")
		}
	}
}

// commandLength sums names, descriptions and choice names/values, recursively.
func commandLength(m obj) int {
	n := 0
	for _, k := range []string{"name", "description"} {
		s, _ := str(m, k)
		n += runes(s)
	}
	for _, ch := range arr(m, "choices") {
		if co, ok := ch.(obj); ok {
			s, _ := str(co, "name")
			n += runes(s)
			n += runes(fmt.Sprint(co["value"]))
		}
	}
	for _, o := range arr(m, "options") {
		if oo, ok := o.(obj); ok {
			n += commandLength(oo)
		}
	}
	return n
}

// ValidateMessageJSON checks a message body (channel message, follow-up,
// webhook edit or the data of a type 4/7 callback) against Discord's limits.
// It does not require the message to be non-empty; see ValidateNewMessageJSON.
func ValidateMessageJSON(raw []byte) Problems {
	m, ps := decodeObj(raw)
	if ps != nil {
		return ps
	}
	c := &checker{}
	c.message(m, "")
	return c.ps
}

// ValidateNewMessageJSON is ValidateMessageJSON plus Discord's rule that a new
// message has content, embeds, components, a poll or files. hasFiles reports
// whether the request carried files.
func ValidateNewMessageJSON(raw []byte, hasFiles bool) Problems {
	m, ps := decodeObj(raw)
	if ps != nil {
		return ps
	}
	c := &checker{}
	c.message(m, "")
	c.nonEmpty(m, "", hasFiles)
	return c.ps
}

func (c *checker) nonEmpty(m obj, path string, hasFiles bool) {
	_, content := str(m, "content")
	if !content && len(arr(m, "embeds")) == 0 && len(arr(m, "components")) == 0 && !hasFiles && m["poll"] == nil && len(arr(m, "sticker_ids")) == 0 {
		c.add(join(path, "content"), "BASE_TYPE_REQUIRED", "cannot send an empty message (no content, embeds, components or files)")
	}
}

func (c *checker) message(m obj, path string) {
	c.length(m, path, "content", 0, 2000)
	embeds := arr(m, "embeds")
	if len(embeds) > 10 {
		c.add(join(path, "embeds"), "BASE_TYPE_MAX_LENGTH", "%d embeds, at most 10", len(embeds))
	}
	total := 0
	for i, e := range embeds {
		em, ok := e.(obj)
		if !ok {
			c.add(join(join(path, "embeds"), i), "MODEL_TYPE_CONVERT", "embed must be an object")
			continue
		}
		total += c.embed(em, join(join(path, "embeds"), i))
	}
	if total > 6000 {
		c.add(join(path, "embeds"), "MAX_EMBED_SIZE_EXCEEDED", "embeds hold %d characters of text together, at most 6000", total)
	}
	c.components(arr(m, "components"), join(path, "components"))
	if am := sub(m, "allowed_mentions"); am != nil {
		c.allowedMentions(am, join(path, "allowed_mentions"))
	}
	for i, a := range arr(m, "attachments") {
		if am, ok := a.(obj); ok {
			c.length(am, join(join(path, "attachments"), i), "description", 0, MaxAttachmentDescription)
		}
	}
	if n, ok := m["nonce"].(string); ok && runes(n) > 25 {
		c.add(join(path, "nonce"), "BASE_TYPE_BAD_LENGTH", "nonce is %d characters, at most 25", runes(n))
	}
}

// embedText counts a string field after trimming, as Discord does.
func embedText(m obj, k string) int {
	s, _ := str(m, k)
	return runes(strings.TrimSpace(s))
}

func (c *checker) embed(m obj, path string) int {
	total := 0
	lim := func(o obj, p, k string, max int) {
		if o == nil {
			return
		}
		n := embedText(o, k)
		total += n
		if s, _ := str(o, k); runes(s) > max {
			c.add(join(p, k), "BASE_TYPE_MAX_LENGTH", "%s is %d characters, at most %d", k, runes(s), max)
		}
	}
	lim(m, path, "title", 256)
	lim(m, path, "description", 4096)
	if f := sub(m, "footer"); f != nil {
		lim(f, join(path, "footer"), "text", 2048)
	}
	if a := sub(m, "author"); a != nil {
		lim(a, join(path, "author"), "name", 256)
	}
	fields := arr(m, "fields")
	if len(fields) > 25 {
		c.add(join(path, "fields"), "BASE_TYPE_MAX_LENGTH", "%d fields, at most 25", len(fields))
	}
	for i, f := range fields {
		fo, ok := f.(obj)
		p := join(join(path, "fields"), i)
		if !ok {
			c.add(p, "MODEL_TYPE_CONVERT", "field must be an object")
			continue
		}
		if _, ok := str(fo, "name"); !ok {
			c.add(join(p, "name"), "BASE_TYPE_REQUIRED", "field name is required")
		}
		if _, ok := str(fo, "value"); !ok {
			c.add(join(p, "value"), "BASE_TYPE_REQUIRED", "field value is required")
		}
		lim(fo, p, "name", 256)
		lim(fo, p, "value", 1024)
	}
	if u, ok := str(m, "url"); ok && runes(u) > 2048 {
		c.add(join(path, "url"), "BASE_TYPE_MAX_LENGTH", "url is %d characters, at most 2048", runes(u))
	}
	return total
}

func (c *checker) allowedMentions(m obj, path string) {
	parse := map[string]bool{}
	for i, v := range arr(m, "parse") {
		s, _ := v.(string)
		switch s {
		case "users", "roles", "everyone":
			parse[s] = true
		default:
			c.add(join(join(path, "parse"), i), "BASE_TYPE_CHOICES", "parse value %q is not one of users, roles, everyone", s)
		}
	}
	for _, k := range []string{"users", "roles"} {
		if parse[k] && len(arr(m, k)) > 0 {
			c.add(join(path, k), "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE", "parse:[%q] and a %s list are mutually exclusive", k, k)
		}
		if n := len(arr(m, k)); n > 100 {
			c.add(join(path, k), "BASE_TYPE_MAX_LENGTH", "%d %s, at most 100", n, k)
		}
	}
}

func isSelect(t int) bool { return t == 3 || (t >= 5 && t <= 8) }

func (c *checker) components(rows []any, path string) {
	if len(rows) > 5 {
		c.add(path, "BASE_TYPE_MAX_LENGTH", "%d action rows, at most 5", len(rows))
	}
	ids := map[string]string{}
	for i, r := range rows {
		rp := join(path, i)
		row, ok := r.(obj)
		if !ok {
			c.add(rp, "MODEL_TYPE_CONVERT", "component must be an object")
			continue
		}
		if t := intField(row, "type"); t != 1 {
			c.add(join(rp, "type"), "UNION_TYPE_CHOICES", "top-level component has type %d; this checker accepts action rows (1)", t)
			continue
		}
		items := arr(row, "components")
		if len(items) == 0 {
			c.add(join(rp, "components"), "BASE_TYPE_MIN_LENGTH", "an action row needs at least one component")
		}
		buttons, selects := 0, 0
		for j, it := range items {
			ip := join(join(rp, "components"), j)
			co, ok := it.(obj)
			if !ok {
				c.add(ip, "MODEL_TYPE_CONVERT", "component must be an object")
				continue
			}
			t := intField(co, "type")
			switch {
			case t == 2:
				buttons++
				c.button(co, ip)
			case isSelect(t):
				selects++
				c.selectMenu(co, ip, t)
			default:
				c.add(join(ip, "type"), "COMPONENT_TYPE_INVALID", "component type %d cannot be in a message action row", t)
			}
			if id, ok := str(co, "custom_id"); ok {
				if prev, dup := ids[id]; dup {
					c.add(join(ip, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED", "custom_id %q is already used at %s", id, prev)
				}
				ids[id] = ip
			}
		}
		if buttons > 5 {
			c.add(join(rp, "components"), "BASE_TYPE_MAX_LENGTH", "%d buttons in a row, at most 5", buttons)
		}
		if selects > 0 && len(items) != 1 {
			c.add(join(rp, "components"), "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "a select menu must be alone in its row")
		}
	}
}

func (c *checker) customID(m obj, path string) {
	c.length(m, path, "custom_id", 1, 100)
}

func (c *checker) button(m obj, path string) {
	style := intField(m, "style")
	c.length(m, path, "label", 0, 80)
	switch {
	case style == 5:
		if u, ok := str(m, "url"); !ok {
			c.add(join(path, "url"), "BASE_TYPE_REQUIRED", "a link button needs a url")
		} else if runes(u) > 512 {
			c.add(join(path, "url"), "BASE_TYPE_MAX_LENGTH", "url is %d characters, at most 512", runes(u))
		}
		if _, ok := str(m, "custom_id"); ok {
			c.add(join(path, "custom_id"), "COMPONENT_INVALID", "a link button has no custom_id")
		}
	case style >= 1 && style <= 4:
		c.customID(m, path)
		if _, ok := str(m, "url"); ok {
			c.add(join(path, "url"), "COMPONENT_INVALID", "only link buttons have a url")
		}
	case style == 6:
		if _, ok := str(m, "sku_id"); !ok {
			c.add(join(path, "sku_id"), "BASE_TYPE_REQUIRED", "a premium button needs sku_id")
		}
	default:
		c.add(join(path, "style"), "BASE_TYPE_CHOICES", "button style %d is not 1-6", style)
	}
	_, label := str(m, "label")
	if !label && m["emoji"] == nil && style != 6 {
		c.add(join(path, "label"), "BASE_TYPE_REQUIRED", "a button needs a label or an emoji")
	}
}

func (c *checker) selectMenu(m obj, path string, t int) {
	c.customID(m, path)
	c.length(m, path, "placeholder", 0, 150)
	opts := arr(m, "options")
	if t == 3 {
		if len(opts) < 1 || len(opts) > 25 {
			c.add(join(path, "options"), "BASE_TYPE_BAD_LENGTH", "a select menu has %d options, must be 1 to 25", len(opts))
		}
		values := map[string]bool{}
		for i, o := range opts {
			op := join(join(path, "options"), i)
			oo, ok := o.(obj)
			if !ok {
				c.add(op, "MODEL_TYPE_CONVERT", "option must be an object")
				continue
			}
			c.length(oo, op, "label", 1, 100)
			c.length(oo, op, "value", 1, 100)
			c.length(oo, op, "description", 0, 100)
			v, _ := str(oo, "value")
			if values[v] {
				c.add(join(op, "value"), "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED", "option value %q is used twice", v)
			}
			values[v] = true
		}
	}
	minV, hasMin := num(m, "min_values")
	maxV, hasMax := num(m, "max_values")
	if hasMin && (minV < 0 || minV > 25) {
		c.add(join(path, "min_values"), "NUMBER_TYPE_MAX", "min_values must be 0 to 25")
	}
	if hasMax && (maxV < 1 || maxV > 25) {
		c.add(join(path, "max_values"), "NUMBER_TYPE_MAX", "max_values must be 1 to 25")
	}
	if t == 3 && hasMax && int(maxV) > len(opts) {
		c.add(join(path, "max_values"), "NUMBER_TYPE_MAX", "max_values %d exceeds the %d options", int(maxV), len(opts))
	}
}

// ValidateModalJSON checks the data of a type 9 (modal) callback.
func ValidateModalJSON(raw []byte) Problems {
	m, ps := decodeObj(raw)
	if ps != nil {
		return ps
	}
	c := &checker{}
	c.modal(m, "")
	return c.ps
}

func (c *checker) modal(m obj, path string) {
	c.customID(m, path)
	c.length(m, path, "title", 1, 45)
	rows := arr(m, "components")
	if len(rows) < 1 || len(rows) > 5 {
		c.add(join(path, "components"), "BASE_TYPE_BAD_LENGTH", "a modal has %d rows, must be 1 to 5", len(rows))
	}
	ids := map[string]bool{}
	for i, r := range rows {
		rp := join(join(path, "components"), i)
		row, ok := r.(obj)
		if !ok || intField(row, "type") != 1 {
			c.add(rp, "UNION_TYPE_CHOICES", "a modal row must be an action row (type 1; discordgo 0.29 cannot read labels, type 18)")
			continue
		}
		items := arr(row, "components")
		if len(items) != 1 {
			c.add(join(rp, "components"), "BASE_TYPE_BAD_LENGTH", "a modal row holds exactly one text input, got %d components", len(items))
		}
		for j, it := range items {
			ip := join(join(rp, "components"), j)
			ti, ok := it.(obj)
			if !ok || intField(ti, "type") != 4 {
				c.add(join(ip, "type"), "COMPONENT_TYPE_INVALID", "a modal row holds a text input (type 4)")
				continue
			}
			c.customID(ti, ip)
			if id, _ := str(ti, "custom_id"); ids[id] {
				c.add(join(ip, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED", "custom_id %q is used twice", id)
			} else {
				ids[id] = true
			}
			c.length(ti, ip, "label", 1, 45)
			c.length(ti, ip, "value", 0, 4000)
			c.length(ti, ip, "placeholder", 0, 100)
			if s := intField(ti, "style"); s != 1 && s != 2 {
				c.add(join(ip, "style"), "BASE_TYPE_CHOICES", "text input style %d is not 1 or 2", s)
			}
			minL, hasMin := num(ti, "min_length")
			maxL, hasMax := num(ti, "max_length")
			if hasMin && (minL < 0 || minL > 4000) {
				c.add(join(ip, "min_length"), "NUMBER_TYPE_MAX", "min_length must be 0 to 4000")
			}
			if hasMax && (maxL < 1 || maxL > 4000) {
				c.add(join(ip, "max_length"), "NUMBER_TYPE_MAX", "max_length must be 1 to 4000")
			}
		}
	}
}

// ValidateThreadJSON checks a thread-creation body. forum reports whether the
// parent is a forum channel, where a first message is required.
func ValidateThreadJSON(raw []byte, forum bool, hasFiles bool) Problems {
	m, ps := decodeObj(raw)
	if ps != nil {
		return ps
	}
	c := &checker{}
	c.length(m, "", "name", 1, 100)
	if d, ok := num(m, "auto_archive_duration"); ok && d != 0 {
		switch d {
		case 60, 1440, 4320, 10080:
		default:
			c.add("auto_archive_duration", "BASE_TYPE_CHOICES", "auto_archive_duration %v is not one of 60, 1440, 4320, 10080", d)
		}
	}
	if r, ok := num(m, "rate_limit_per_user"); ok && (r < 0 || r > 21600) {
		c.add("rate_limit_per_user", "NUMBER_TYPE_MAX", "rate_limit_per_user must be 0 to 21600")
	}
	if forum {
		msg := sub(m, "message")
		if msg == nil {
			c.add("message", "BASE_TYPE_REQUIRED", "a forum post needs a first message")
		} else {
			c.message(msg, "message")
			c.nonEmpty(msg, "message", hasFiles)
		}
	}
	return c.ps
}

// ValidateResponseJSON checks an interaction callback body sent in answer to
// an interaction of type it. fromMessage reports whether the interaction
// carries a message (components, and modal submits from a component), which
// callback types 6 and 7 require. hasFiles reports attached files.
func ValidateResponseJSON(raw []byte, it discordgo.InteractionType, fromMessage, hasFiles bool) Problems {
	m, ps := decodeObj(raw)
	if ps != nil {
		return ps
	}
	c := &checker{}
	t := intField(m, "type")
	data := sub(m, "data")
	flags := 0
	if data != nil {
		flags = intField(data, "flags")
	}
	if it == discordgo.InteractionApplicationCommandAutocomplete && t != 8 {
		c.add("type", "INTERACTION_RESPONSE_TYPE_INVALID", "an autocomplete interaction is answered with type 8, got %d", t)
		return c.ps
	}
	switch t {
	case 1:
		c.add("type", "INTERACTION_RESPONSE_TYPE_INVALID", "type 1 (pong) answers only pings")
	case 4:
		if data == nil {
			c.add("data", "BASE_TYPE_REQUIRED", "type 4 needs data")
			break
		}
		c.message(data, "data")
		c.nonEmpty(data, "data", hasFiles)
		c.responseFlags(flags)
	case 5:
		if flags&^64 != 0 {
			c.add("data.flags", "INTERACTION_RESPONSE_FLAGS_INVALID", "a deferred response (type 5) allows only the ephemeral flag (64), got %d", flags)
		}
	case 6, 7:
		if it != discordgo.InteractionMessageComponent && !(it == discordgo.InteractionModalSubmit && fromMessage) {
			c.add("type", "INTERACTION_RESPONSE_TYPE_INVALID", "type %d answers only components (and modal submits from a component), not interaction type %d", t, it)
		}
		if t == 7 && data != nil {
			c.message(data, "data")
			c.responseFlags(flags)
		}
	case 8:
		if it != discordgo.InteractionApplicationCommandAutocomplete {
			c.add("type", "INTERACTION_RESPONSE_TYPE_INVALID", "type 8 answers only autocomplete, not interaction type %d", it)
		}
		if data == nil {
			c.add("data", "BASE_TYPE_REQUIRED", "type 8 needs data.choices")
		} else {
			c.autocomplete(data)
		}
	case 9:
		if it == discordgo.InteractionModalSubmit {
			c.add("type", "INTERACTION_RESPONSE_TYPE_INVALID", "a modal submit cannot be answered with another modal")
		}
		if data == nil {
			c.add("data", "BASE_TYPE_REQUIRED", "type 9 needs data")
			break
		}
		c.modal(data, "data")
	default:
		c.add("type", "BASE_TYPE_CHOICES", "unknown callback type %d", t)
	}
	return c.ps
}

func (c *checker) responseFlags(flags int) {
	const allowed = 4 | 64 | 4096 | 32768
	if flags&^allowed != 0 {
		c.add("data.flags", "INTERACTION_RESPONSE_FLAGS_INVALID", "flags %d: only suppress embeds (4), ephemeral (64), suppress notifications (4096), components v2 (32768) may be set", flags)
	}
}

func (c *checker) autocomplete(data obj) {
	choices := arr(data, "choices")
	if len(choices) > 25 {
		c.add("data.choices", "BASE_TYPE_MAX_LENGTH", "%d autocomplete choices, at most 25", len(choices))
	}
	for i, e := range choices {
		p := join("data.choices", i)
		m, ok := e.(obj)
		if !ok {
			c.add(p, "MODEL_TYPE_CONVERT", "choice must be an object")
			continue
		}
		c.length(m, p, "name", 1, 100)
		if v, ok := m["value"].(string); ok && runes(v) > 100 {
			c.add(join(p, "value"), "BASE_TYPE_BAD_LENGTH", "choice value is %d characters, at most 100", runes(v))
		}
		if m["value"] == nil {
			c.add(join(p, "value"), "BASE_TYPE_REQUIRED", "choice value is required")
		}
	}
}

// CheckCommands validates command definitions as the server would on a bulk
// overwrite; handy in a package's own unit tests.
func CheckCommands(cmds []*discordgo.ApplicationCommand) error {
	raw, err := json.Marshal(cmds)
	if err != nil {
		return fmt.Errorf("marshal commands: %w", err)
	}
	return ValidateCommandsJSON(raw).Err()
}

// CheckResponse validates an interaction response as the server would for an
// interaction of type it (fromMessage: the interaction carries a message).
func CheckResponse(it discordgo.InteractionType, fromMessage bool, r *discordgo.InteractionResponse) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("marshal response: %w", err)
	}
	hasFiles := r.Data != nil && len(r.Data.Files) > 0
	return ValidateResponseJSON(raw, it, fromMessage, hasFiles).Err()
}

// CheckMessage validates a new channel message as the server would.
func CheckMessage(m *discordgo.MessageSend) error {
	raw, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("marshal message: %w", err)
	}
	return ValidateNewMessageJSON(raw, len(m.Files) > 0).Err()
}
