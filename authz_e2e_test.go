package main

import (
	"context"
	"fmt"
	"strconv"

	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage/storagetest"
)

// TestForgedPayloadsAreRefused sends, for every form and button that acts
// on Eli's review, hand-made payloads from everyone who may not act, with
// Eli's ids in private_metadata and button values: each is refused and
// Eli's review does not change.
func TestForgedPayloadsAreRefused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2026-08-03")
		setExpectations(t, w)
		w.command(mona, "checkin <@U0ELI|eli>")
		ci := w.waitTopView(mona, "checkin")
		if errs := ackErrors(w.submit(mona, ci, values{}.options("covered", "expectations", "feedback").text("feedback", "ok").pick("cadence", "quarterly"))); errs != nil {
			t.Fatal(errs)
		}
		s := openStore(t, w)
		ctx := context.Background()
		eliP, _ := s.PersonBySlackID(ctx, eli)
		before, _ := s.Year(ctx, eliP.ID, 2027)
		checkIn := before.CheckIns[0].ID
		expID := before.Expectations[0].ID
		metaFor := fmt.Sprintf(`{"p":%d,"fy":2027,"e":%d,"c":%d}`, eliP.ID, expID, checkIn)

		input := func(block, action, typ string, value map[string]any) (map[string]any, map[string]any) {
			b := map[string]any{"type": "input", "block_id": block, "label": map[string]any{"type": "plain_text", "text": "x"}, "element": map[string]any{"type": typ, "action_id": action}}
			value["type"] = typ
			return b, map[string]any{block: map[string]any{action: value}}
		}
		forms := map[string][2]map[string]any{}
		for name, f := range map[string][4]any{
			"expectations": {"new:0", "text", "plain_text_input", map[string]any{"value": "hijacked"}},
			"goal_edit":    {"goal:new", "text", "plain_text_input", map[string]any{"value": "hijacked"}},
			"checkin":      {"held_on", "date", "datepicker", map[string]any{"selected_date": "2026-08-03"}},
			"confirm":      {"feedback", "text", "plain_text_input", map[string]any{"value": "hijacked"}},
			"cadence":      {"reason", "text", "plain_text_input", map[string]any{"value": "hijacked"}},
			"development":  {"long_term", "text", "plain_text_input", map[string]any{"value": "hijacked"}},
			"handoff":      {"note", "text", "plain_text_input", map[string]any{"value": "hijacked"}},
		} {
			b, v := input(f[0].(string), f[1].(string), f[2].(string), f[3].(map[string]any))
			forms[name] = [2]map[string]any{b, v}
		}
		// Who may not submit each form (the rightful actor is left out).
		wrong := map[string][]string{
			"expectations": {eli, zoe, pat, dana, hana, omar},
			"goal_edit":    {mona, zoe, pat, dana, hana, omar},
			"checkin":      {eli, zoe, pat, dana, hana, omar},
			"confirm":      {mona, zoe, pat, dana, hana, omar},
			"cadence":      {eli, zoe, pat, dana, hana, omar},
			"development":  {mona, zoe, pat, dana, hana, omar},
			"handoff":      {mona, eli, zoe, pat, dana, hana, omar},
		}
		for callback, users := range wrong {
			for _, u := range users {
				t.Run("submit "+callback+" as "+u, func(t *testing.T) {
					f := forms[callback]
					ack, err := w.emu.SendInteractive(w.ctx(), map[string]any{
						"type": "view_submission", "user": map[string]any{"id": u}, "team": map[string]any{"id": "T0EMU"},
						"view": map[string]any{"id": "VFORGED" + callback + u, "type": "modal", "callback_id": callback, "hash": "h",
							"private_metadata": metaFor, "blocks": []any{f[0]}, "state": map[string]any{"values": f[1]}},
					})
					if err != nil {
						t.Fatal(err)
					}
					if ackErrors(ack) == nil {
						t.Errorf("accepted: %s", ack.Payload)
					}
				})
			}
		}
		buttons := map[string]string{
			"expectations_open": strconv.FormatInt(eliP.ID, 10),
			"checkin_open":      strconv.FormatInt(eliP.ID, 10),
			"checkin_dev":       strconv.FormatInt(eliP.ID, 10),
			"checkin_confirm":   strconv.FormatInt(checkIn, 10),
			"checkin_edit":      strconv.FormatInt(checkIn, 10),
			"handoff_open":      strconv.FormatInt(eliP.ID, 10),
			"team_next":         fmt.Sprintf("%d:0", personIDOf(t, s, mona)),
		}
		for action, value := range buttons {
			for _, u := range []string{zoe, pat, omar} {
				t.Run("click "+action+" as "+u, func(t *testing.T) {
					n := w.dmCount(u)
					_, err := w.emu.SendInteractive(w.ctx(), map[string]any{
						"type": "block_actions", "user": map[string]any{"id": u}, "team": map[string]any{"id": "T0EMU"}, "trigger_id": "1.2.forged",
						"container": map[string]any{"type": "view", "view_id": "VHOME"},
						"actions":   []any{map[string]any{"action_id": action, "block_id": "b", "type": "button", "value": value}},
					})
					if err != nil {
						t.Fatal(err)
					}
					w.dm(u, n+1) // a refusal, privately
					if v := w.emu.TopView(u); v != nil {
						t.Errorf("a forged click opened %s", v.CallbackID)
					}
				})
			}
		}
		after, _ := s.Year(ctx, eliP.ID, 2027)
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("Eli's review changed (-before +after):\n%s", diff)
		}
	})
}

func personIDOf(t *testing.T, s interface {
	PersonBySlackID(context.Context, string) (review.Person, error)
}, slackID string) int64 {
	t.Helper()
	p, err := s.PersonBySlackID(context.Background(), slackID)
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// TestForgedWrapUpPayloadsAreRefused does the same for the wrap-up season:
// complete, valid forms and clicks about Eli's wrap-up and his unit's
// approval, sent by everyone who may not, change nothing.
func TestForgedWrapUpPayloadsAreRefused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2027-06-20")
		w.rateViaSlack(mona, eli, "eli", "successful")
		s := openStore(t, w)
		ctx := context.Background()
		eliP, _ := s.PersonBySlackID(ctx, eli)
		before, _ := s.Year(ctx, eliP.ID, 2027)
		approvalsBefore, _ := s.Approvals(ctx, 2027)
		personMeta := fmt.Sprintf(`{"p":%d,"fy":2027}`, eliP.ID)
		poolMeta := `{"fy":2027,"u":"EOHHS"}`

		text := func(v string) map[string]any { return map[string]any{"type": "plain_text_input", "value": v} }
		radio := func(v string) map[string]any {
			return map[string]any{"type": "radio_buttons", "selected_option": map[string]any{"value": v, "text": map[string]any{"type": "plain_text", "text": v}}}
		}
		forms := map[string]struct {
			meta  string
			state map[string]any
			wrong []string
		}{
			"reflection": {personMeta, map[string]any{"accomplishments": map[string]any{"text": text("hijacked")}}, []string{mona, zoe, pat, dana, hana, omar}},
			"wrapup": {personMeta, map[string]any{
				"answer:four_checkins": map[string]any{"pick": radio("yes")}, "answer:expectations": map[string]any{"pick": radio("yes")},
				"answer:feedback": map[string]any{"pick": radio("yes")}, "rating": map[string]any{"rating_pick": radio("exceptional")},
			}, []string{eli, zoe, pat, dana, hana, omar}},
			"ratings_exception": {poolMeta, map[string]any{"reason": map[string]any{"text": text("because")}}, []string{eli, mona, zoe, pat, dana, omar}},
			"ratings_reopen":    {poolMeta, map[string]any{"reason": map[string]any{"text": text("because")}}, []string{eli, mona, zoe, pat, dana, omar}},
		}
		for callback, f := range forms {
			var blocks []any
			for block := range f.state {
				blocks = append(blocks, map[string]any{"type": "input", "block_id": block, "label": map[string]any{"type": "plain_text", "text": "x"},
					"element": map[string]any{"type": "plain_text_input", "action_id": "text"}})
			}
			for _, u := range f.wrong {
				t.Run("submit "+callback+" as "+u, func(t *testing.T) {
					ack, err := w.emu.SendInteractive(w.ctx(), map[string]any{
						"type": "view_submission", "user": map[string]any{"id": u}, "team": map[string]any{"id": "T0EMU"},
						"view": map[string]any{"id": "VFORGED" + callback + u, "type": "modal", "callback_id": callback, "hash": "h",
							"private_metadata": f.meta, "blocks": blocks, "state": map[string]any{"values": f.state}},
					})
					if err != nil {
						t.Fatal(err)
					}
					if ackErrors(ack) == nil {
						t.Errorf("accepted: %s", ack.Payload)
					}
				})
			}
		}
		id := strconv.FormatInt(eliP.ID, 10)
		for action, value := range map[string]string{"wrapup_open": id, "rating_held": id, "ratings_approve": "EOHHS", "ratings_exception": "EOHHS", "ratings_reopen": "EOHHS"} {
			for _, u := range []string{zoe, pat, omar} {
				t.Run("click "+action+" as "+u, func(t *testing.T) {
					n := w.dmCount(u)
					_, err := w.emu.SendInteractive(w.ctx(), map[string]any{
						"type": "block_actions", "user": map[string]any{"id": u}, "team": map[string]any{"id": "T0EMU"}, "trigger_id": "1.2.forged",
						"container": map[string]any{"type": "view", "view_id": "VFORGED"},
						"view":      map[string]any{"id": "VFORGED", "type": "modal", "callback_id": "ratings", "private_metadata": poolMeta},
						"actions":   []any{map[string]any{"action_id": action, "block_id": "b", "type": "button", "value": value}},
					})
					if err != nil {
						t.Fatal(err)
					}
					w.dm(u, n+1) // a refusal, privately
					if v := w.emu.TopView(u); v != nil {
						t.Errorf("a forged click opened %s", v.CallbackID)
					}
				})
			}
		}
		after, _ := s.Year(ctx, eliP.ID, 2027)
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("Eli's review changed (-before +after):\n%s", diff)
		}
		if approvalsAfter, _ := s.Approvals(ctx, 2027); !cmp.Equal(approvalsBefore, approvalsAfter) {
			t.Errorf("approvals changed: %v → %v", approvalsBefore, approvalsAfter)
		}
	})
}
