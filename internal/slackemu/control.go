package slackemu

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/slack-go/slack"
)

// handleControl serves the JSON control API under /_emu/, for driving the
// emulator by hand (see cmd/slackemu):
//
//	POST /_emu/command    {"user","command","text"}               -> Ack
//	POST /_emu/click      {"user","action_id","value", "view_id" | "channel","ts"} -> Ack
//	POST /_emu/select     {"user","view_id","action_id","values":[…]} -> Ack or null
//	POST /_emu/submit     {"user","view_id","values"}             -> Ack (values as in state.values; omitted = current state)
//	POST /_emu/close      {"user","view_id"}                      -> Ack or null
//	POST /_emu/home       {"user"}                                -> Ack
//	POST /_emu/disconnect {"reason"}
//	POST /_emu/users      [User, …]
//	POST /_emu/channels   [{"id","name","private","members","archived","ext_shared"}, …]
//	GET  /_emu/view?user=U1       the top modal
//	GET  /_emu/home?user=U1       the home view
//	GET  /_emu/messages?to=U1     MessagesTo (all messages without "to")
//	GET  /_emu/calls[?method=m]   recorded calls
//	GET  /_emu/acks
//	GET  /_emu/violations
//	GET  /_emu/peaks              the most calls per method accepted within a trailing minute
//	GET  /_emu/files
//
// Calls that wait for an ack use the request's context.
func (s *Server) handleControl(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/_emu/")
	q := r.URL.Query()
	var in struct {
		User     string          `json:"user"`
		Command  string          `json:"command"`
		Text     string          `json:"text"`
		ViewID   string          `json:"view_id"`
		Channel  string          `json:"channel"`
		TS       string          `json:"ts"`
		ActionID string          `json:"action_id"`
		Value    string          `json:"value"`
		Values   json.RawMessage `json:"values"`
		Reason   string          `json:"reason"`
	}
	if r.Method == http.MethodPost && path != "users" && path != "channels" {
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeControl(w, nil, badRequest("invalid JSON body: "+err.Error()))
			return
		}
	}
	ctx := r.Context()
	var out any
	var err error
	switch r.Method + " " + path {
	case "POST command":
		out, err = s.SlashCommand(ctx, in.User, in.Command, in.Text)
	case "POST click":
		if in.ViewID != "" {
			out, err = s.ClickViewButton(ctx, in.User, in.ViewID, in.ActionID, in.Value)
		} else {
			out, err = s.ClickMessageButton(ctx, in.User, in.Channel, in.TS, in.ActionID, in.Value)
		}
	case "POST select":
		var vals []string
		if len(in.Values) > 0 {
			err = json.Unmarshal(in.Values, &vals)
		}
		if err == nil {
			out, err = s.SelectInView(ctx, in.User, in.ViewID, in.ActionID, vals...)
		}
	case "POST submit":
		var vals map[string]map[string]slack.BlockAction
		if len(in.Values) > 0 {
			err = json.Unmarshal(in.Values, &vals)
		}
		if err == nil {
			out, err = s.Submit(ctx, in.User, in.ViewID, vals)
		}
	case "POST close":
		out, err = s.CloseView(ctx, in.User, in.ViewID)
	case "POST home":
		out, err = s.OpenHome(ctx, in.User)
	case "POST disconnect":
		s.RequestDisconnect(in.Reason)
		out = map[string]bool{"ok": true}
	case "POST users":
		var users []User
		if err = json.NewDecoder(r.Body).Decode(&users); err == nil {
			s.AddUsers(users)
			out = map[string]int{"added": len(users)}
		} else {
			err = badRequest(err.Error())
		}
	case "POST channels":
		var chans []Channel
		if err = json.NewDecoder(r.Body).Decode(&chans); err == nil {
			for _, c := range chans {
				s.PutChannel(c)
			}
			out = map[string]int{"added": len(chans)}
		} else {
			err = badRequest(err.Error())
		}
	case "GET view":
		out = s.TopView(q.Get("user"))
	case "GET home":
		out = s.Home(q.Get("user"))
	case "GET messages":
		if to := q.Get("to"); to != "" {
			out = s.MessagesTo(to)
		} else {
			out = s.Messages()
		}
	case "GET calls":
		if m := q.Get("method"); m != "" {
			out = s.CallsTo(m)
		} else {
			out = s.Calls()
		}
	case "GET acks":
		out = s.Acks()
	case "GET violations":
		out = s.Violations()
	case "GET peaks":
		out = s.PeakRates()
	case "GET files":
		out = s.Files()
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":"unknown control endpoint"}` + "\n"))
		return
	}
	writeControl(w, out, err)
}

type badRequest string

func (b badRequest) Error() string { return string(b) }

func writeControl(w http.ResponseWriter, out any, err error) {
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		status := http.StatusUnprocessableEntity
		var br badRequest
		if errors.As(err, &br) {
			status = http.StatusBadRequest
		}
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(out)
}
