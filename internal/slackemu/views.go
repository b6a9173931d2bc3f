package slackemu

import (
	"encoding/json"
	"fmt"
	"maps"
	"strconv"

	"github.com/slack-go/slack"
)

// View is a snapshot of a modal or home view as the user sees it.
type View struct {
	ID              string `json:"id"`
	User            string `json:"user"`
	Hash            string `json:"hash"`
	Type            string `json:"type"` // "modal" or "home"
	CallbackID      string `json:"callback_id"`
	PrivateMetadata string `json:"private_metadata"`
	ExternalID      string `json:"external_id"`
	RootViewID      string `json:"root_view_id"`
	PreviousViewID  string `json:"previous_view_id"`
	NotifyOnClose   bool   `json:"notify_on_close"`
	Title           string `json:"title"`
	// Raw is the view object as Slack returns it (with generated block_ids
	// and action_ids, state, hash, ...).
	Raw    json.RawMessage `json:"raw"`
	Blocks slack.Blocks    `json:"-"`
	// Errors are the errors shown on input blocks (block_id -> message)
	// after a response_action "errors".
	Errors map[string]string `json:"errors,omitempty"`
	// State is what the inputs currently hold: their initial values
	// overlaid with what the user entered (SelectInView, Submit).
	State map[string]map[string]slack.BlockAction `json:"-"`
}

// viewRec is the emulator's record of a view.
type viewRec struct {
	id, user, typ      string
	hash               string
	obj                map[string]any // normalized view payload as the app sent it
	rootID, previousID string
	externalID         string
	entered            map[string]map[string]slack.BlockAction // values the user entered
	errors             map[string]string
	closed             bool
}

func (v *viewRec) str(key string) string {
	s, _ := v.obj[key].(string)
	return s
}

func (v *viewRec) bool(key string) bool {
	b, _ := v.obj[key].(bool)
	return b
}

func (v *viewRec) blocks() []any {
	b, _ := v.obj["blocks"].([]any)
	return b
}

// state is the view's current state: initial values overlaid with what the
// user entered.
func (v *viewRec) state() map[string]map[string]slack.BlockAction {
	st := initialValuesOf(v.blocks())
	for b, acts := range v.entered {
		for a, val := range acts {
			if _, ok := st[b][a]; ok {
				st[b][a] = val
			}
		}
	}
	return st
}

// keepEntered keeps the entered values whose block_id/action_id still exist
// in the (updated) view, as Slack preserves input across views.update.
func (v *viewRec) keepEntered() {
	if len(v.entered) == 0 {
		return
	}
	init := initialValuesOf(v.blocks())
	kept := map[string]map[string]slack.BlockAction{}
	for b, acts := range v.entered {
		for a, val := range acts {
			if _, ok := init[b][a]; ok {
				if kept[b] == nil {
					kept[b] = map[string]slack.BlockAction{}
				}
				kept[b][a] = val
			}
		}
	}
	v.entered = kept
}

// object renders the view object as Slack returns it.
func (s *Server) viewObjectLocked(v *viewRec) map[string]any {
	obj := maps.Clone(v.obj)
	obj["id"] = v.id
	obj["team_id"] = s.cfg.TeamID
	obj["type"] = v.typ
	obj["state"] = map[string]any{"values": stateJSON(v.state(), v.blocks())}
	obj["hash"] = v.hash
	obj["app_id"] = s.cfg.AppID
	obj["bot_id"] = s.cfg.BotID
	obj["app_installed_team_id"] = s.cfg.TeamID
	obj["external_id"] = v.externalID
	for _, k := range []string{"private_metadata", "callback_id"} {
		if _, ok := obj[k]; !ok {
			obj[k] = ""
		}
	}
	for _, k := range []string{"clear_on_close", "notify_on_close"} {
		if _, ok := obj[k]; !ok {
			obj[k] = false
		}
	}
	if v.typ == "modal" {
		for _, k := range []string{"title", "close", "submit"} {
			if _, ok := obj[k]; !ok {
				obj[k] = nil
			}
		}
		obj["root_view_id"] = v.rootID
		if v.previousID != "" {
			obj["previous_view_id"] = v.previousID
		} else {
			obj["previous_view_id"] = nil
		}
	} else {
		obj["root_view_id"] = v.id
		obj["previous_view_id"] = nil
	}
	return obj
}

// snapshotLocked returns the exported View for a record.
func (s *Server) snapshotLocked(v *viewRec) *View {
	raw, _ := json.Marshal(s.viewObjectLocked(v))
	out := &View{
		ID:              v.id,
		User:            v.user,
		Hash:            v.hash,
		Type:            v.typ,
		CallbackID:      v.str("callback_id"),
		PrivateMetadata: v.str("private_metadata"),
		ExternalID:      v.externalID,
		RootViewID:      v.rootID,
		PreviousViewID:  v.previousID,
		NotifyOnClose:   v.bool("notify_on_close"),
		Raw:             raw,
		Errors:          maps.Clone(v.errors),
		State:           v.state(),
	}
	if v.typ != "modal" {
		out.RootViewID = v.id
	}
	if t, ok := v.obj["title"].(map[string]any); ok {
		out.Title, _ = t["text"].(string)
	}
	if b, err := json.Marshal(v.blocks()); err == nil {
		_ = json.Unmarshal(b, &out.Blocks)
	}
	return out
}

// TopView returns the modal on top of the user's stack, nil if none is open.
func (s *Server) TopView(userID string) *View {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stacks[userID]
	if len(st) == 0 {
		return nil
	}
	return s.snapshotLocked(s.views[st[len(st)-1]])
}

// ViewStack returns the user's open modals, root first.
func (s *Server) ViewStack(userID string) []*View {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*View
	for _, id := range s.stacks[userID] {
		out = append(out, s.snapshotLocked(s.views[id]))
	}
	return out
}

// Home returns the user's last published home view, nil if none.
func (s *Server) Home(userID string) *View {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.homes[userID]
	if !ok {
		return nil
	}
	return s.snapshotLocked(s.views[id])
}

// closeStackLocked closes every modal of a user.
func (s *Server) closeStackLocked(user string) {
	for _, id := range s.stacks[user] {
		s.views[id].closed = true
	}
	delete(s.stacks, user)
	s.notifyLocked()
}

// popViewLocked closes the top modal of a user.
func (s *Server) popViewLocked(user string) {
	st := s.stacks[user]
	if len(st) == 0 {
		return
	}
	s.views[st[len(st)-1]].closed = true
	if len(st) == 1 {
		delete(s.stacks, user)
	} else {
		s.stacks[user] = st[:len(st)-1]
	}
	s.notifyLocked()
}

// newHash returns a new view hash like "1569262015.55b5e41b".
func (s *Server) newHash() string {
	return strconv.FormatInt(s.now().Unix(), 10) + "." + randHex(4)
}

// elementRef locates an interactive element in a list of blocks.
type elementRef struct {
	blockID   string
	blockType string
	elem      map[string]any
	dispatch  bool // sends block_actions when used
}

func (e elementRef) typ() string      { t, _ := e.elem["type"].(string); return t }
func (e elementRef) actionID() string { a, _ := e.elem["action_id"].(string); return a }

// elements lists the interactive elements of blocks.
func elements(blocks []any) []elementRef {
	var out []elementRef
	for _, b := range blocks {
		bm, ok := b.(map[string]any)
		if !ok {
			continue
		}
		bt, _ := bm["type"].(string)
		bid, _ := bm["block_id"].(string)
		add := func(e any, dispatch bool) {
			if em, ok := e.(map[string]any); ok {
				out = append(out, elementRef{blockID: bid, blockType: bt, elem: em, dispatch: dispatch})
			}
		}
		switch bt {
		case "input":
			d, _ := bm["dispatch_action"].(bool)
			add(bm["element"], d)
		case "actions":
			els, _ := bm["elements"].([]any)
			for _, e := range els {
				add(e, true)
			}
		case "section":
			if acc, ok := bm["accessory"].(map[string]any); ok && acc["type"] != "image" {
				add(acc, true)
			}
		}
	}
	return out
}

func findElement(blocks []any, actionID string) (elementRef, bool) {
	for _, e := range elements(blocks) {
		if e.actionID() == actionID {
			return e, true
		}
	}
	return elementRef{}, false
}

// statefulTypes are the elements whose values appear in state.values.
var statefulTypes = map[string]bool{
	"plain_text_input": true, "email_text_input": true, "url_text_input": true,
	"number_input": true, "rich_text_input": true, "file_input": true,
	"static_select": true, "external_select": true, "users_select": true,
	"conversations_select": true, "channels_select": true,
	"multi_static_select": true, "multi_external_select": true, "multi_users_select": true,
	"multi_conversations_select": true, "multi_channels_select": true,
	"checkboxes": true, "radio_buttons": true,
	"datepicker": true, "timepicker": true, "datetimepicker": true,
}

// InitialValues returns the state.values a view submits when the user
// touches nothing: every input holds its initial_value, initial_option(s),
// initial_date, ... (empty when there is none). Tests start from it and
// change a few fields, e.g. with View.Fill.
func InitialValues(v *View) map[string]map[string]slack.BlockAction {
	if v == nil {
		return nil
	}
	var obj struct {
		Blocks []any `json:"blocks"`
	}
	_ = json.Unmarshal(v.Raw, &obj)
	return initialValuesOf(obj.Blocks)
}

func initialValuesOf(blocks []any) map[string]map[string]slack.BlockAction {
	out := map[string]map[string]slack.BlockAction{}
	for _, e := range elements(blocks) {
		if !statefulTypes[e.typ()] {
			continue
		}
		if out[e.blockID] == nil {
			out[e.blockID] = map[string]slack.BlockAction{}
		}
		out[e.blockID][e.actionID()] = initialAction(e)
	}
	return out
}

// initialAction is an element's value before the user touches it.
func initialAction(e elementRef) slack.BlockAction {
	a := slack.BlockAction{ActionID: e.actionID(), BlockID: e.blockID, Type: slack.ActionType(e.typ())}
	str := func(k string) string { s, _ := e.elem[k].(string); return s }
	switch e.typ() {
	case "plain_text_input", "email_text_input", "url_text_input", "number_input":
		a.Value = str("initial_value")
	case "static_select", "external_select", "radio_buttons":
		if o := toOption(e.elem["initial_option"]); o != nil {
			a.SelectedOption = *o
		}
	case "multi_static_select", "multi_external_select", "checkboxes":
		opts, _ := e.elem["initial_options"].([]any)
		for _, o := range opts {
			if ob := toOption(o); ob != nil {
				a.SelectedOptions = append(a.SelectedOptions, *ob)
			}
		}
	case "users_select":
		a.SelectedUser = str("initial_user")
	case "multi_users_select":
		a.SelectedUsers = toStrings(e.elem["initial_users"])
	case "conversations_select":
		a.SelectedConversation = str("initial_conversation")
	case "multi_conversations_select":
		a.SelectedConversations = toStrings(e.elem["initial_conversations"])
	case "channels_select":
		a.SelectedChannel = str("initial_channel")
	case "multi_channels_select":
		a.SelectedChannels = toStrings(e.elem["initial_channels"])
	case "datepicker":
		a.SelectedDate = str("initial_date")
	case "timepicker":
		a.SelectedTime = str("initial_time")
	case "datetimepicker":
		if f, ok := e.elem["initial_date_time"].(float64); ok {
			a.SelectedDateTime = int64(f)
		}
	case "rich_text_input":
		if iv, ok := e.elem["initial_value"]; ok {
			b, _ := json.Marshal(iv)
			_ = json.Unmarshal(b, &a.RichTextValue)
		}
	}
	return a
}

func toOption(v any) *slack.OptionBlockObject {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var o slack.OptionBlockObject
	if json.Unmarshal(b, &o) != nil {
		return nil
	}
	return &o
}

func toStrings(v any) []string {
	arr, _ := v.([]any)
	var out []string
	for _, x := range arr {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// options lists the options of a select, including option groups.
func options(elem map[string]any) []map[string]any {
	var out []map[string]any
	collect := func(v any) {
		arr, _ := v.([]any)
		for _, o := range arr {
			if om, ok := o.(map[string]any); ok {
				out = append(out, om)
			}
		}
	}
	collect(elem["options"])
	if groups, ok := elem["option_groups"].([]any); ok {
		for _, g := range groups {
			if gm, ok := g.(map[string]any); ok {
				collect(gm["options"])
			}
		}
	}
	return out
}

func optionByValue(elem map[string]any, value string) *slack.OptionBlockObject {
	for _, o := range options(elem) {
		if o["value"] == value {
			return toOption(o)
		}
	}
	return nil
}

// BlockIDOf returns the block_id of the block holding the element with
// actionID ("" if none); useful when block_ids were generated by Slack.
func (v *View) BlockIDOf(actionID string) string {
	var obj struct {
		Blocks []any `json:"blocks"`
	}
	_ = json.Unmarshal(v.Raw, &obj)
	e, _ := findElement(obj.Blocks, actionID)
	return e.blockID
}

// Fill sets the value of the element with actionID in values, the way a
// user would: text inputs take vals[0]; single selects and radio buttons
// select the option whose value is vals[0]; multi selects and checkboxes
// select the options with the given values; user, conversation and channel
// selects take IDs; datepicker takes "2006-01-02", timepicker "15:04",
// datetimepicker a Unix time. It fails if the element does not exist or an
// option is unknown.
func (v *View) Fill(values map[string]map[string]slack.BlockAction, actionID string, vals ...string) error {
	var obj struct {
		Blocks []any `json:"blocks"`
	}
	_ = json.Unmarshal(v.Raw, &obj)
	e, ok := findElement(obj.Blocks, actionID)
	if !ok {
		return fmt.Errorf("slackemu: view %s has no element with action_id %q", v.ID, actionID)
	}
	a, err := fillAction(e, vals)
	if err != nil {
		return err
	}
	if values[e.blockID] == nil {
		values[e.blockID] = map[string]slack.BlockAction{}
	}
	values[e.blockID][actionID] = a
	return nil
}

func fillAction(e elementRef, vals []string) (slack.BlockAction, error) {
	a := slack.BlockAction{ActionID: e.actionID(), BlockID: e.blockID, Type: slack.ActionType(e.typ())}
	first := ""
	if len(vals) > 0 {
		first = vals[0]
	}
	switch e.typ() {
	case "plain_text_input", "email_text_input", "url_text_input", "number_input":
		a.Value = first
	case "static_select", "radio_buttons", "overflow":
		if first != "" {
			o := optionByValue(e.elem, first)
			if o == nil {
				return a, fmt.Errorf("slackemu: %s %q has no option with value %q", e.typ(), e.actionID(), first)
			}
			a.SelectedOption = *o
		}
	case "external_select":
		if first != "" {
			a.SelectedOption = *slack.NewOptionBlockObject(first, slack.NewTextBlockObject(slack.PlainTextType, first, false, false), nil)
		}
	case "multi_static_select", "checkboxes":
		for _, val := range vals {
			o := optionByValue(e.elem, val)
			if o == nil {
				return a, fmt.Errorf("slackemu: %s %q has no option with value %q", e.typ(), e.actionID(), val)
			}
			a.SelectedOptions = append(a.SelectedOptions, *o)
		}
	case "multi_external_select":
		for _, val := range vals {
			a.SelectedOptions = append(a.SelectedOptions, *slack.NewOptionBlockObject(val, slack.NewTextBlockObject(slack.PlainTextType, val, false, false), nil))
		}
	case "users_select":
		a.SelectedUser = first
	case "multi_users_select":
		a.SelectedUsers = vals
	case "conversations_select":
		a.SelectedConversation = first
	case "multi_conversations_select":
		a.SelectedConversations = vals
	case "channels_select":
		a.SelectedChannel = first
	case "multi_channels_select":
		a.SelectedChannels = vals
	case "datepicker":
		a.SelectedDate = first
	case "timepicker":
		a.SelectedTime = first
	case "datetimepicker":
		if first != "" {
			n, err := strconv.ParseInt(first, 10, 64)
			if err != nil {
				return a, fmt.Errorf("slackemu: datetimepicker %q wants a Unix time: %v", e.actionID(), err)
			}
			a.SelectedDateTime = n
		}
	default:
		return a, fmt.Errorf("slackemu: cannot fill a %s element", e.typ())
	}
	return a, nil
}

// stateJSON renders state.values the way Slack does: per element type only
// the fields that matter, null for untouched values.
func stateJSON(st map[string]map[string]slack.BlockAction, blocks []any) map[string]any {
	types := map[string]string{}
	for _, e := range elements(blocks) {
		types[e.blockID+"\x00"+e.actionID()] = e.typ()
	}
	out := map[string]any{}
	for b, acts := range st {
		m := map[string]any{}
		for a, val := range acts {
			typ := types[b+"\x00"+a]
			if typ == "" {
				typ = string(val.Type)
			}
			m[a] = valueJSON(typ, val)
		}
		out[b] = m
	}
	return out
}

// valueJSON renders one element value (for state.values and for the
// actions of block_actions, without the ids).
func valueJSON(typ string, a slack.BlockAction) map[string]any {
	m := map[string]any{"type": typ}
	orNil := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	optJSON := func(o slack.OptionBlockObject) any {
		if o.Value == "" && o.Text == nil {
			return nil
		}
		return o
	}
	list := func(ss []string) []string {
		if ss == nil {
			return []string{}
		}
		return ss
	}
	switch typ {
	case "plain_text_input", "email_text_input", "url_text_input", "number_input":
		m["value"] = orNil(a.Value)
	case "static_select", "external_select", "radio_buttons", "overflow":
		m["selected_option"] = optJSON(a.SelectedOption)
	case "multi_static_select", "multi_external_select", "checkboxes":
		opts := a.SelectedOptions
		if opts == nil {
			opts = []slack.OptionBlockObject{}
		}
		m["selected_options"] = opts
	case "users_select":
		m["selected_user"] = orNil(a.SelectedUser)
	case "multi_users_select":
		m["selected_users"] = list(a.SelectedUsers)
	case "conversations_select":
		m["selected_conversation"] = orNil(a.SelectedConversation)
	case "multi_conversations_select":
		m["selected_conversations"] = list(a.SelectedConversations)
	case "channels_select":
		m["selected_channel"] = orNil(a.SelectedChannel)
	case "multi_channels_select":
		m["selected_channels"] = list(a.SelectedChannels)
	case "datepicker":
		m["selected_date"] = orNil(a.SelectedDate)
	case "timepicker":
		m["selected_time"] = orNil(a.SelectedTime)
		m["timezone"] = "America/New_York"
	case "datetimepicker":
		if a.SelectedDateTime != 0 {
			m["selected_date_time"] = a.SelectedDateTime
		} else {
			m["selected_date_time"] = nil
		}
	case "rich_text_input":
		if a.RichTextValue.Type != "" {
			m["rich_text_value"] = a.RichTextValue
		} else {
			m["rich_text_value"] = nil
		}
	case "file_input":
		m["files"] = []any{}
	default:
		if a.Value != "" {
			m["value"] = a.Value
		}
	}
	return m
}

// emptyValue reports whether a required input holds nothing.
func emptyValue(typ string, a slack.BlockAction) bool {
	switch typ {
	case "plain_text_input", "email_text_input", "url_text_input", "number_input":
		return a.Value == ""
	case "static_select", "external_select", "radio_buttons":
		return a.SelectedOption.Value == ""
	case "multi_static_select", "multi_external_select", "checkboxes":
		return len(a.SelectedOptions) == 0
	case "users_select":
		return a.SelectedUser == ""
	case "multi_users_select":
		return len(a.SelectedUsers) == 0
	case "conversations_select":
		return a.SelectedConversation == ""
	case "multi_conversations_select":
		return len(a.SelectedConversations) == 0
	case "channels_select":
		return a.SelectedChannel == ""
	case "multi_channels_select":
		return len(a.SelectedChannels) == 0
	case "datepicker":
		return a.SelectedDate == ""
	case "timepicker":
		return a.SelectedTime == ""
	case "datetimepicker":
		return a.SelectedDateTime == 0
	case "rich_text_input":
		return a.RichTextValue.Type == "" || len(a.RichTextValue.Elements) == 0
	}
	return false
}

// inputBlockIDs lists the block_ids of the input blocks of a view.
func inputBlockIDs(blocks []any) map[string]bool {
	out := map[string]bool{}
	for _, b := range blocks {
		if bm, ok := b.(map[string]any); ok && bm["type"] == "input" {
			if id, ok := bm["block_id"].(string); ok {
				out[id] = true
			}
		}
	}
	return out
}
