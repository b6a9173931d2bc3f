package slackemu

import (
	"encoding/json"
	"fmt"
	"time"
)

const (
	maxViewStack = 3          // modals in one stack (views.push: push_limit_reached)
	maxViewBytes = 250 * 1024 // view_too_large
)

// trigger is an issued trigger_id.
type trigger struct {
	user   string
	issued time.Time
	used   bool
	viewID string // the view the interaction happened in, "" elsewhere
}

// newTriggerLocked issues a trigger_id ("12345.98765.abcd2358fdea").
func (s *Server) newTriggerLocked(user, viewID string) string {
	s.seq++
	id := fmt.Sprintf("%d.%s.%s", s.seq, randDigits(12), randHex(16))
	s.triggers[id] = &trigger{user: user, issued: s.now(), viewID: viewID}
	return id
}

// checkTriggerLocked validates a trigger_id without exchanging it. Unknown
// triggers are invalid_trigger_id, used ones exchanged_trigger_id (Slack's
// documented code for a reused trigger) and old ones expired_trigger_id;
// each is a violation.
func (s *Server) checkTriggerLocked(method, id string) (*trigger, apiResponse) {
	if id == "" {
		s.violateLocked("%s called without trigger_id", method)
		return nil, errResp("invalid_arguments", "[ERROR] missing required field: trigger_id")
	}
	t, ok := s.triggers[id]
	switch {
	case !ok:
		s.violateLocked("%s: invalid_trigger_id %q (never issued)", method, id)
		return nil, errResp("invalid_trigger_id")
	case t.used:
		s.violateLocked("%s: exchanged_trigger_id %q (trigger already used)", method, id)
		return nil, errResp("exchanged_trigger_id")
	case s.now().Sub(t.issued) > s.cfg.TriggerTTL:
		s.violateLocked("%s: expired_trigger_id %q (used %v after issue, TTL %v)", method, id,
			s.now().Sub(t.issued).Round(time.Millisecond), s.cfg.TriggerTTL)
		return nil, errResp("expired_trigger_id")
	}
	return t, nil
}

// parseViewArg reads, size-checks and validates the view argument.
// surface is the required view type ("modal" or "home").
func (s *Server) parseViewArgLocked(method string, r *apiRequest, surface Surface) (map[string]any, apiResponse) {
	raw, ok := r.raw("view")
	if !ok {
		return nil, errResp("invalid_arguments", "[ERROR] missing required field: view")
	}
	return s.checkViewLocked(method, raw, surface)
}

// checkViewLocked validates a view object for surface and returns it
// normalized (generated block_ids/action_ids).
func (s *Server) checkViewLocked(where string, raw json.RawMessage, surface Surface) (map[string]any, apiResponse) {
	if len(raw) > maxViewBytes {
		s.violateLocked("%s: view_too_large (%d bytes, max %d)", where, len(raw), maxViewBytes)
		return nil, errResp("view_too_large")
	}
	var view map[string]any
	if err := json.Unmarshal(raw, &view); err != nil {
		return nil, errResp("invalid_arguments", "[ERROR] view must be a JSON object")
	}
	if issues := validateViewAny(view, surface, "/view"); len(issues) > 0 {
		s.violateLocked("%s: invalid_arguments: %s", where, issueRules(issues))
		return nil, errResp("invalid_arguments", issueStrings(issues)...)
	}
	if blocks, ok := view["blocks"].([]any); ok {
		view["blocks"] = normalizeBlocks(blocks, s.randBlockID)
	}
	return view, nil
}

// externalIDTakenLocked reports whether an open view other than except uses
// external_id ext.
func (s *Server) externalIDTakenLocked(ext, except string) bool {
	if ext == "" {
		return false
	}
	for _, v := range s.views {
		if !v.closed && v.id != except && v.externalID == ext {
			return true
		}
	}
	return false
}

func (s *Server) newViewLocked(user, typ string, obj map[string]any) *viewRec {
	v := &viewRec{
		id:   s.nextIDLocked("V"),
		user: user,
		typ:  typ,
		hash: s.newHash(),
		obj:  obj,
	}
	v.externalID, _ = obj["external_id"].(string)
	delete(obj, "external_id")
	s.views[v.id] = v
	s.showLocked(user, typ, viewText(obj))
	return v
}

func viewText(obj map[string]any) string {
	b, _ := json.Marshal(obj)
	return string(b)
}

func (s *Server) viewsOpen(r *apiRequest) response {
	tid := r.str("trigger_id")
	if tid == "" {
		tid = r.str("interactivity_pointer")
	}
	t, bad := s.checkTriggerLocked("views.open", tid)
	if bad != nil {
		return bad
	}
	obj, bad := s.parseViewArgLocked("views.open", r, SurfaceModal)
	if bad != nil {
		return bad
	}
	if ext, _ := obj["external_id"].(string); s.externalIDTakenLocked(ext, "") {
		return errResp("duplicate_external_id")
	}
	t.used = true
	s.closeStackLocked(t.user)
	v := s.newViewLocked(t.user, "modal", obj)
	v.rootID = v.id
	s.stacks[t.user] = []string{v.id}
	s.notifyLocked()
	return okResp("view", s.viewObjectLocked(v))
}

func (s *Server) viewsPush(r *apiRequest) response {
	tid := r.str("trigger_id")
	if tid == "" {
		tid = r.str("interactivity_pointer")
	}
	t, bad := s.checkTriggerLocked("views.push", tid)
	if bad != nil {
		return bad
	}
	obj, bad := s.parseViewArgLocked("views.push", r, SurfaceModal)
	if bad != nil {
		return bad
	}
	st := s.stacks[t.user]
	if len(st) == 0 {
		s.violateLocked("views.push: user %s has no open modal to push onto (use views.open)", t.user)
		return errResp("not_found")
	}
	if len(st) >= maxViewStack {
		s.violateLocked("views.push: push_limit_reached (user %s already has %d views)", t.user, len(st))
		return errResp("push_limit_reached")
	}
	if ext, _ := obj["external_id"].(string); s.externalIDTakenLocked(ext, "") {
		return errResp("duplicate_external_id")
	}
	t.used = true
	v := s.newViewLocked(t.user, "modal", obj)
	v.rootID = st[0]
	v.previousID = st[len(st)-1]
	s.stacks[t.user] = append(st, v.id)
	s.notifyLocked()
	return okResp("view", s.viewObjectLocked(v))
}

// findViewLocked finds an open view by view_id or external_id.
func (s *Server) findViewLocked(viewID, externalID string) *viewRec {
	if viewID != "" {
		if v, ok := s.views[viewID]; ok && !v.closed {
			return v
		}
		return nil
	}
	for _, v := range s.views {
		if !v.closed && externalID != "" && v.externalID == externalID {
			return v
		}
	}
	return nil
}

func (s *Server) viewsUpdate(r *apiRequest) response {
	viewID, ext := r.str("view_id"), r.str("external_id")
	if viewID == "" && ext == "" {
		return errResp("invalid_arguments", "[ERROR] either view_id or external_id is required")
	}
	v := s.findViewLocked(viewID, ext)
	if v == nil {
		return errResp("not_found")
	}
	if h := r.str("hash"); h != "" && h != v.hash {
		return errResp("hash_conflict")
	}
	obj, bad := s.parseViewArgLocked("views.update", r, Surface(v.typ))
	if bad != nil {
		return bad
	}
	if newExt, _ := obj["external_id"].(string); newExt != "" {
		if s.externalIDTakenLocked(newExt, v.id) {
			return errResp("duplicate_external_id")
		}
		v.externalID = newExt
	}
	delete(obj, "external_id")
	s.replaceViewLocked(v, obj)
	return okResp("view", s.viewObjectLocked(v))
}

// replaceViewLocked swaps a view's content, keeping its ID and what the user
// entered in inputs that still exist.
func (s *Server) replaceViewLocked(v *viewRec, obj map[string]any) {
	v.obj = obj
	s.showLocked(v.user, v.typ, viewText(obj))
	v.hash = s.newHash()
	v.errors = nil
	v.keepEntered()
	s.notifyLocked()
}

func (s *Server) viewsPublish(r *apiRequest) response {
	user := r.str("user_id")
	if _, ok := s.usersByID[user]; !ok {
		return errResp("invalid_arguments", "[ERROR] invalid user_id")
	}
	obj, bad := s.parseViewArgLocked("views.publish", r, SurfaceHome)
	if bad != nil {
		return bad
	}
	if id, ok := s.homes[user]; ok {
		v := s.views[id]
		if h := r.str("hash"); h != "" && h != v.hash {
			return errResp("hash_conflict")
		}
		newExt, _ := obj["external_id"].(string)
		if s.externalIDTakenLocked(newExt, v.id) {
			return errResp("duplicate_external_id")
		}
		v.externalID = newExt
		delete(obj, "external_id")
		s.replaceViewLocked(v, obj)
		return okResp("view", s.viewObjectLocked(v))
	}
	if ext, _ := obj["external_id"].(string); s.externalIDTakenLocked(ext, "") {
		return errResp("duplicate_external_id")
	}
	v := s.newViewLocked(user, "home", obj)
	v.rootID = v.id
	s.homes[user] = v.id
	s.notifyLocked()
	return okResp("view", s.viewObjectLocked(v))
}
