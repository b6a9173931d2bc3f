package slackemu

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/slack-go/slack"
)

// verificationToken is the (deprecated) verification token Slack puts in
// payloads.
const verificationToken = "emulator-verification-token"

func (s *Server) userObjLocked(u *userRec) map[string]any {
	return map[string]any{"id": u.ID, "username": u.Name, "name": u.Name, "team_id": s.cfg.TeamID}
}

func (s *Server) teamObj() map[string]any {
	return map[string]any{"id": s.cfg.TeamID, "domain": "emulator"}
}

func (s *Server) userLocked(userID string) (*userRec, error) {
	u, ok := s.usersByID[userID]
	if !ok {
		return nil, fmt.Errorf("slackemu: unknown user %q (AddUser first)", userID)
	}
	return u, nil
}

func (s *Server) actionTS() string {
	return formatTS(s.now().UnixMicro())
}

// SlashCommand runs a slash command as userID in the user's DM with the bot
// and returns the bot's ack. A message in the ack payload (text/blocks,
// response_type) is validated and recorded with Via "command_ack".
func (s *Server) SlashCommand(ctx context.Context, userID, command, text string) (*Ack, error) {
	s.mu.Lock()
	u, err := s.userLocked(userID)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if !strings.HasPrefix(command, "/") {
		command = "/" + command
	}
	payload := s.commandPayloadLocked(u, command, text)
	responseURL := payload["response_url"]
	s.mu.Unlock()

	ack, err := s.deliver(ctx, "slash_commands", payload, true, 0, "")
	if err != nil || ack.Late || len(ack.Payload) == 0 {
		return ack, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var body responseURLBody
	if err := json.Unmarshal(ack.Payload, &body); err != nil {
		s.violateLocked("slash command ack payload is not a message object: %.200s", ack.Payload)
		return ack, nil
	}
	in := &msgInput{text: body.Text, hasText: true}
	if len(body.Blocks) > 0 && string(body.Blocks) != "null" {
		if err := json.Unmarshal(body.Blocks, &in.blocks); err != nil {
			s.violateLocked("slash command ack: blocks is not an array")
			return ack, nil
		}
		in.hasBlocks = true
	}
	if len(body.Attachments) > 0 && string(body.Attachments) != "null" && string(body.Attachments) != "[]" {
		in.attachments = body.Attachments
	}
	if in.text == "" && !in.hasBlocks && in.attachments == nil {
		return ack, nil // e.g. {} — nothing shown
	}
	if bad := s.checkMessageLocked("slash command ack", in, false); bad != nil {
		return ack, nil
	}
	m := s.storeMessageLocked(&Message{
		Channel:   u.dm,
		User:      u.ID,
		Ephemeral: body.ResponseType != "in_channel",
		Via:       "command_ack",
	}, in)
	if rc := s.responseURLs[strings.TrimPrefix(responseURL, s.baseURL+"/response/")]; rc != nil {
		rc.origTS = m.TS
	}
	return ack, nil
}

// commandPayloadLocked is a slash command's payload, with a new
// response_url and trigger_id.
func (s *Server) commandPayloadLocked(u *userRec, command, text string) map[string]string {
	if !strings.HasPrefix(command, "/") {
		command = "/" + command
	}
	return map[string]string{
		"token":                 verificationToken,
		"team_id":               s.cfg.TeamID,
		"team_domain":           "emulator",
		"channel_id":            u.dm,
		"channel_name":          "directmessage",
		"user_id":               u.ID,
		"user_name":             u.Name,
		"command":               command,
		"text":                  text,
		"api_app_id":            s.cfg.AppID,
		"is_enterprise_install": "false",
		"response_url":          s.newResponseURLLocked(u.ID, u.dm, ""),
		"trigger_id":            s.newTriggerLocked(u.ID, ""),
	}
}

// actionJSONLocked builds the "actions" entry of block_actions for an
// element used with vals (the button's value, the selected option values,
// ...). For a button, an empty value means the button's own value.
func actionJSON(e elementRef, vals []string, ts string) (map[string]any, slack.BlockAction, error) {
	if e.typ() == "button" || e.typ() == "workflow_button" {
		a := map[string]any{
			"type":      e.typ(),
			"action_id": e.actionID(),
			"block_id":  e.blockID,
			"text":      e.elem["text"],
			"action_ts": ts,
		}
		v, _ := e.elem["value"].(string)
		if len(vals) > 0 && vals[0] != "" {
			v = vals[0]
		}
		if v != "" {
			a["value"] = v
		}
		if st, ok := e.elem["style"]; ok {
			a["style"] = st
		}
		return a, slack.BlockAction{}, nil
	}
	ba, err := fillAction(e, vals)
	if err != nil {
		return nil, ba, err
	}
	a := valueJSON(e.typ(), ba)
	a["action_id"] = e.actionID()
	a["block_id"] = e.blockID
	a["action_ts"] = ts
	if e.typ() == "overflow" || strings.HasSuffix(e.typ(), "select") {
		if ph, ok := e.elem["placeholder"]; ok {
			a["placeholder"] = ph
		}
	}
	return a, ba, nil
}

// ClickMessageButton clicks the element with actionID in a message the bot
// posted (channelID may be a user ID for DMs) and returns the bot's ack.
// For a button, value overrides the button's value when not empty; for a
// select or overflow menu, value is the value of the chosen option. The
// payload carries a fresh trigger_id and a response_url bound to the
// message.
func (s *Server) ClickMessageButton(ctx context.Context, userID, channelID, messageTS, actionID, value string) (*Ack, error) {
	s.mu.Lock()
	u, err := s.userLocked(userID)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	ch, _, ok := s.resolveChannelLocked(channelID)
	if !ok {
		s.mu.Unlock()
		return nil, fmt.Errorf("slackemu: unknown channel %q", channelID)
	}
	_, m := s.findMessageLocked(ch, messageTS)
	if m == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("slackemu: no message %s in %s", messageTS, ch)
	}
	if m.Ephemeral && m.User != userID {
		s.mu.Unlock()
		return nil, fmt.Errorf("slackemu: ephemeral message %s is not visible to %s", messageTS, userID)
	}
	var msgObj map[string]any
	_ = json.Unmarshal(m.Raw, &msgObj)
	blocks, _ := msgObj["blocks"].([]any)
	e, ok := findElement(blocks, actionID)
	if !ok {
		s.mu.Unlock()
		return nil, fmt.Errorf("slackemu: message %s has no element with action_id %q", messageTS, actionID)
	}
	action, _, err := actionJSON(e, []string{value}, s.actionTS())
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	chName := "directmessage"
	if c, ok := s.channels[ch]; ok {
		chName = c.Name
	}
	payload := map[string]any{
		"type":       "block_actions",
		"user":       s.userObjLocked(u),
		"api_app_id": s.cfg.AppID,
		"token":      verificationToken,
		"container": map[string]any{
			"type":         "message",
			"message_ts":   m.TS,
			"channel_id":   ch,
			"is_ephemeral": m.Ephemeral,
		},
		"trigger_id":            s.newTriggerLocked(u.ID, ""),
		"team":                  s.teamObj(),
		"enterprise":            nil,
		"is_enterprise_install": false,
		"channel":               map[string]any{"id": ch, "name": chName},
		"state":                 map[string]any{"values": stateJSON(initialValuesOf(blocks), blocks)},
		"response_url":          s.newResponseURLLocked(u.ID, ch, m.TS),
		"actions":               []any{action},
	}
	if !m.Ephemeral {
		payload["message"] = msgObj
	}
	s.mu.Unlock()
	return s.deliver(ctx, "interactive", payload, false, 0, "")
}

// openViewForUserLocked finds a view the user can interact with: the top
// modal of their stack or their home view.
func (s *Server) openViewForUserLocked(userID, viewID string) (*viewRec, error) {
	v, ok := s.views[viewID]
	if !ok || v.closed || v.user != userID {
		return nil, fmt.Errorf("slackemu: view %s is not open for %s", viewID, userID)
	}
	if v.typ == "modal" {
		st := s.stacks[userID]
		if len(st) == 0 || st[len(st)-1] != viewID {
			return nil, fmt.Errorf("slackemu: view %s is not the top modal of %s", viewID, userID)
		}
	}
	return v, nil
}

// ClickViewButton clicks the element with actionID in an open modal (the
// top of the user's stack) or home view and returns the bot's ack. value is
// as for ClickMessageButton. The payload carries the view with the current
// state of its inputs and a fresh trigger_id (usable with views.push).
func (s *Server) ClickViewButton(ctx context.Context, userID, viewID, actionID, value string) (*Ack, error) {
	ack, err := s.viewAction(ctx, userID, viewID, actionID, []string{value}, true)
	return ack, err
}

// SelectInView changes the element with actionID in an open view the way a
// user would (see View.Fill for the meaning of vals). If the element
// dispatches actions (it sits in an actions block or a section accessory,
// or in an input block with dispatch_action), block_actions is sent and the
// ack returned; otherwise only the view's state changes and the Ack is nil.
func (s *Server) SelectInView(ctx context.Context, userID, viewID, actionID string, vals ...string) (*Ack, error) {
	return s.viewAction(ctx, userID, viewID, actionID, vals, false)
}

func (s *Server) viewAction(ctx context.Context, userID, viewID, actionID string, vals []string, forceSend bool) (*Ack, error) {
	s.mu.Lock()
	u, err := s.userLocked(userID)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	v, err := s.openViewForUserLocked(userID, viewID)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	e, ok := findElement(v.blocks(), actionID)
	if !ok {
		s.mu.Unlock()
		return nil, fmt.Errorf("slackemu: view %s has no element with action_id %q", viewID, actionID)
	}
	action, ba, err := actionJSON(e, vals, s.actionTS())
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if statefulTypes[e.typ()] {
		if v.entered == nil {
			v.entered = map[string]map[string]slack.BlockAction{}
		}
		if v.entered[e.blockID] == nil {
			v.entered[e.blockID] = map[string]slack.BlockAction{}
		}
		v.entered[e.blockID][e.actionID()] = ba
		s.notifyLocked()
	}
	if !e.dispatch && !forceSend {
		s.mu.Unlock()
		return nil, nil
	}
	payload := map[string]any{
		"type":                  "block_actions",
		"user":                  s.userObjLocked(u),
		"api_app_id":            s.cfg.AppID,
		"token":                 verificationToken,
		"container":             map[string]any{"type": "view", "view_id": v.id},
		"trigger_id":            s.newTriggerLocked(u.ID, v.id),
		"team":                  s.teamObj(),
		"enterprise":            nil,
		"is_enterprise_install": false,
		"view":                  s.viewObjectLocked(v),
		"actions":               []any{action},
	}
	s.mu.Unlock()
	return s.deliver(ctx, "interactive", payload, false, 0, "")
}

// Submit submits the user's top modal with the given input values and
// returns the bot's ack. values holds what the user changed: inputs not in
// values submit what they currently hold (their initial values unless the
// user changed them), as in Slack; nil submits the current state.
// Submitting fails without sending anything if a required input is empty
// (Slack's client would not let the user submit).
//
// The ack's response_action is then applied to the user's stack: none
// closes the submitted view (and any above it), "clear" closes all,
// "update" replaces the view, "push" pushes a new one and "errors" keeps
// the view open with the errors recorded on it. Invalid views, unknown
// error keys and late acks are violations; after a late ack the view stays
// open, as Slack shows the user an error.
func (s *Server) Submit(ctx context.Context, userID, viewID string, values map[string]map[string]slack.BlockAction) (*Ack, error) {
	s.mu.Lock()
	u, err := s.userLocked(userID)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	v, err := s.openViewForUserLocked(userID, viewID)
	if err == nil && v.typ != "modal" {
		err = fmt.Errorf("slackemu: view %s is a %s view, not a modal", viewID, v.typ)
	}
	if err == nil && v.obj["submit"] == nil {
		err = fmt.Errorf("slackemu: view %s has no submit button", viewID)
	}
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	final, err := mergeValues(v, values)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	v.entered = final
	v.errors = nil
	payload := map[string]any{
		"type":                  "view_submission",
		"team":                  s.teamObj(),
		"user":                  s.userObjLocked(u),
		"api_app_id":            s.cfg.AppID,
		"token":                 verificationToken,
		"trigger_id":            s.newTriggerLocked(u.ID, v.id),
		"view":                  s.viewObjectLocked(v),
		"response_urls":         []any{},
		"is_enterprise_install": false,
		"enterprise":            nil,
	}
	s.notifyLocked()
	s.mu.Unlock()

	ack, err := s.deliver(ctx, "interactive", payload, true, 0, "")
	if err != nil {
		return ack, err
	}
	if ack.Late {
		s.violate("view_submission of %s acked late: Slack shows the user an error and keeps the view open", viewID)
		return ack, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.applyResponseActionLocked(userID, viewID, ack.Payload)
	return ack, nil
}

// SubmitForged sends a view_submission of userID's open modal viewID, with
// values over what it holds, as if forger had sent it: the payload someone
// would craft from a real form, its ids and private_metadata intact, to act
// on another's behalf. The modal itself is left as it was.
func (s *Server) SubmitForged(ctx context.Context, forger, userID, viewID string, values map[string]map[string]slack.BlockAction) (*Ack, error) {
	s.mu.Lock()
	f, err := s.userLocked(forger)
	var v *viewRec
	if err == nil {
		v, err = s.openViewForUserLocked(userID, viewID)
	}
	var final map[string]map[string]slack.BlockAction
	if err == nil {
		final, err = mergeValues(v, values)
	}
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	view := s.viewObjectLocked(v)
	view["state"] = map[string]any{"values": stateJSON(final, v.blocks())}
	payload := map[string]any{
		"type":                  "view_submission",
		"team":                  s.teamObj(),
		"user":                  s.userObjLocked(f),
		"api_app_id":            s.cfg.AppID,
		"token":                 verificationToken,
		"trigger_id":            s.newTriggerLocked(f.ID, v.id),
		"view":                  view,
		"response_urls":         []any{},
		"is_enterprise_install": false,
		"enterprise":            nil,
	}
	s.mu.Unlock()
	return s.deliver(ctx, "interactive", payload, true, 0, "")
}

// mergeValues overlays the user's changes on the view's current state and
// checks them against the view's elements and required inputs.
func mergeValues(v *viewRec, values map[string]map[string]slack.BlockAction) (map[string]map[string]slack.BlockAction, error) {
	final := v.state()
	types := map[string]string{}
	for _, e := range elements(v.blocks()) {
		types[e.blockID+"\x00"+e.actionID()] = e.typ()
	}
	for b, acts := range values {
		for a, val := range acts {
			typ, ok := types[b+"\x00"+a]
			if !ok || !statefulTypes[typ] {
				return nil, fmt.Errorf("slackemu: view %s has no input %s/%s", v.id, b, a)
			}
			val.Type = slack.ActionType(typ)
			val.BlockID, val.ActionID = b, a
			final[b][a] = val
		}
	}
	var missing []string
	for _, blk := range v.blocks() {
		bm, _ := blk.(map[string]any)
		if bm["type"] != "input" {
			continue
		}
		if opt, _ := bm["optional"].(bool); opt {
			continue
		}
		bid, _ := bm["block_id"].(string)
		el, _ := bm["element"].(map[string]any)
		aid, _ := el["action_id"].(string)
		typ, _ := el["type"].(string)
		if emptyValue(typ, final[bid][aid]) {
			missing = append(missing, bid)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("slackemu: required inputs are empty (Slack would not submit): %s", strings.Join(missing, ", "))
	}
	return final, nil
}

// applyResponseActionLocked applies a view_submission ack payload.
func (s *Server) applyResponseActionLocked(userID, viewID string, payload json.RawMessage) {
	v := s.views[viewID]
	var resp map[string]json.RawMessage
	if len(payload) > 0 {
		if err := json.Unmarshal(payload, &resp); err != nil {
			s.violateLocked("view_submission ack payload is not an object: %.200s", payload)
			return
		}
	}
	var action string
	if raw, ok := resp["response_action"]; ok {
		_ = json.Unmarshal(raw, &action)
	}
	for k := range resp {
		if k != "response_action" && k != "view" && k != "errors" {
			s.violateLocked("view_submission ack payload has unexpected field %q (only response_action, view, errors)", k)
		}
	}
	if action == "" && len(resp) > 0 {
		s.violateLocked("view_submission ack payload without response_action: %.200s", payload)
		return
	}
	st := s.stacks[userID]
	idx := -1
	for i, id := range st {
		if id == viewID {
			idx = i
		}
	}
	switch action {
	case "":
		if idx >= 0 {
			for _, id := range st[idx:] {
				s.views[id].closed = true
			}
			if idx == 0 {
				delete(s.stacks, userID)
			} else {
				s.stacks[userID] = st[:idx]
			}
			s.notifyLocked()
		}
	case "clear":
		s.closeStackLocked(userID)
	case "update":
		obj, bad := s.checkViewLocked("view_submission response_action update", resp["view"], SurfaceModal)
		if bad != nil {
			return
		}
		if ext, _ := obj["external_id"].(string); ext != "" {
			if s.externalIDTakenLocked(ext, v.id) {
				s.violateLocked("view_submission response_action update: duplicate_external_id %q", ext)
				return
			}
			v.externalID = ext
		}
		delete(obj, "external_id")
		s.replaceViewLocked(v, obj)
	case "push":
		if len(st) >= maxViewStack {
			s.violateLocked("view_submission response_action push: push_limit_reached (%d views open)", len(st))
			return
		}
		obj, bad := s.checkViewLocked("view_submission response_action push", resp["view"], SurfaceModal)
		if bad != nil {
			return
		}
		if ext, _ := obj["external_id"].(string); s.externalIDTakenLocked(ext, "") {
			s.violateLocked("view_submission response_action push: duplicate_external_id %q", ext)
			return
		}
		nv := s.newViewLocked(userID, "modal", obj)
		nv.rootID = st[0]
		nv.previousID = st[len(st)-1]
		s.stacks[userID] = append(st, nv.id)
		s.notifyLocked()
	case "errors":
		var errs map[string]string
		if err := json.Unmarshal(resp["errors"], &errs); err != nil || len(errs) == 0 {
			s.violateLocked("view_submission response_action errors without an errors object")
			return
		}
		inputs := inputBlockIDs(v.blocks())
		keys := make([]string, 0, len(errs))
		for k := range errs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !inputs[k] {
				s.violateLocked("view_submission response_action errors: %q is not the block_id of an input block in view %s (Slack shows a generic error)", k, viewID)
			}
		}
		v.errors = maps.Clone(errs)
		s.notifyLocked()
	default:
		s.violateLocked("view_submission ack has unknown response_action %q", action)
	}
}

// CloseView closes the user's top modal as the user would with its close
// button (a pushed view returns to the previous one; clear_on_close closes
// the whole stack). If the view has notify_on_close, view_closed is sent
// and the ack returned; otherwise the Ack is nil.
func (s *Server) CloseView(ctx context.Context, userID, viewID string) (*Ack, error) {
	s.mu.Lock()
	u, err := s.userLocked(userID)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	v, err := s.openViewForUserLocked(userID, viewID)
	if err == nil && v.typ != "modal" {
		err = fmt.Errorf("slackemu: view %s is not a modal", viewID)
	}
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	cleared := v.bool("clear_on_close")
	obj := s.viewObjectLocked(v)
	if cleared {
		s.closeStackLocked(userID)
	} else {
		s.popViewLocked(userID)
	}
	if !v.bool("notify_on_close") {
		s.mu.Unlock()
		return nil, nil
	}
	payload := map[string]any{
		"type":                  "view_closed",
		"team":                  s.teamObj(),
		"user":                  s.userObjLocked(u),
		"api_app_id":            s.cfg.AppID,
		"token":                 verificationToken,
		"view":                  obj,
		"is_cleared":            cleared,
		"is_enterprise_install": false,
		"enterprise":            nil,
	}
	s.mu.Unlock()
	return s.deliver(ctx, "interactive", payload, false, 0, "")
}

// OpenHome sends app_home_opened for the user's Home tab (with the
// published view, if any) and returns the ack.
func (s *Server) OpenHome(ctx context.Context, userID string) (*Ack, error) {
	s.mu.Lock()
	u, err := s.userLocked(userID)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	event := map[string]any{
		"type":     "app_home_opened",
		"user":     u.ID,
		"channel":  u.dm,
		"tab":      "home",
		"event_ts": s.actionTS(),
	}
	if id, ok := s.homes[userID]; ok {
		event["view"] = s.viewObjectLocked(s.views[id])
	}
	s.mu.Unlock()
	return s.SendEventsAPI(ctx, event, 0, "")
}

// SendEventsAPI delivers an Events API event (the inner "event" object,
// e.g. {"type":"message",...}) wrapped in an event_callback, and returns the
// ack. eventID defaults to a fresh "Ev…" ID; pass the same eventID with
// retryAttempt > 0 to simulate Slack's redelivery (retry_reason "timeout").
func (s *Server) SendEventsAPI(ctx context.Context, event map[string]any, retryAttempt int, eventID string) (*Ack, error) {
	s.mu.Lock()
	payload := s.eventPayloadLocked(event, eventID)
	s.mu.Unlock()
	reason := ""
	if retryAttempt > 0 {
		reason = "timeout"
	}
	return s.deliver(ctx, "events_api", payload, false, retryAttempt, reason)
}

// eventPayloadLocked wraps an event in its event_callback; eventID ""
// for a new one.
func (s *Server) eventPayloadLocked(event map[string]any, eventID string) map[string]any {
	if eventID == "" {
		eventID = s.nextIDLocked("Ev")
	}
	now := s.now()
	return map[string]any{
		"token":      verificationToken,
		"team_id":    s.cfg.TeamID,
		"api_app_id": s.cfg.AppID,
		"event":      event,
		"type":       "event_callback",
		"event_id":   eventID,
		"event_time": now.Unix(),
		"authorizations": []any{map[string]any{
			"enterprise_id": nil, "team_id": s.cfg.TeamID, "user_id": s.cfg.BotUserID,
			"is_bot": true, "is_enterprise_install": false,
		}},
		"is_ext_shared_channel": false,
		"event_context":         "4-" + randHex(16),
	}
}

// SendInteractive delivers a hand-made interactive payload (block_actions,
// view_submission, …) as is and waits for its ack. Real Slack only sends
// what users do; this is for testing how the bot treats payloads that do
// not match what it showed (forged ids, another user's view).
func (s *Server) SendInteractive(ctx context.Context, payload map[string]any) (*Ack, error) {
	return s.deliver(ctx, "interactive", payload, true, 0, "")
}
