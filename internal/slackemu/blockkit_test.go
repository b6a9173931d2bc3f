package slackemu

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Helpers to build raw Block Kit JSON for the table.
func plain(s string) string { return fmt.Sprintf(`{"type":"plain_text","text":%q}`, s) }
func mrkdwn(s string) string {
	return fmt.Sprintf(`{"type":"mrkdwn","text":%q}`, s)
}
func option(text, value string) string {
	return fmt.Sprintf(`{"text":%s,"value":%q}`, plain(text), value)
}
func nOptions(n int) string {
	var o []string
	for i := range n {
		o = append(o, option(fmt.Sprint("o", i), fmt.Sprint("v", i)))
	}
	return "[" + strings.Join(o, ",") + "]"
}
func repeat(n int, item string) string {
	return "[" + strings.TrimSuffix(strings.Repeat(item+",", n), ",") + "]"
}
func button(actionID string) string {
	return fmt.Sprintf(`{"type":"button","action_id":%q,"text":%s}`, actionID, plain("Go"))
}
func section(text string) string { return fmt.Sprintf(`{"type":"section","text":%s}`, text) }
func input(blockID, element string) string {
	return fmt.Sprintf(`{"type":"input","block_id":%q,"label":%s,"element":%s}`, blockID, plain("Label"), element)
}
func modal(extra, blocks string) string {
	return fmt.Sprintf(`{"type":"modal","title":%s,"submit":%s%s,"blocks":%s}`, plain("Title"), plain("OK"), extra, blocks)
}

func TestValidateBlocks(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name    string
		surface Surface
		blocks  string
		rule    string // "" = valid
	}{
		{"valid section", SurfaceMessage, "[" + section(mrkdwn("*hi*")) + "]", ""},
		{"50 blocks in a message", SurfaceMessage, repeat(50, `{"type":"divider"}`), ""},
		{"51 blocks in a message", SurfaceMessage, repeat(51, `{"type":"divider"}`), "blocks.max_count"},
		{"100 blocks in a modal", SurfaceModal, repeat(100, `{"type":"divider"}`), ""},
		{"101 blocks in a modal", SurfaceModal, repeat(101, `{"type":"divider"}`), "blocks.max_count"},
		{"not an array", SurfaceMessage, `{"type":"divider"}`, "blocks.type"},
		{"missing type", SurfaceMessage, `[{"block_id":"x"}]`, "block.type.required"},
		{"unknown type", SurfaceMessage, `[{"type":"carousel_x"}]`, "block.type.unsupported"},
		{"duplicate block_id", SurfaceMessage, `[{"type":"divider","block_id":"a"},{"type":"divider","block_id":"a"}]`, "block_id.duplicate"},
		{"block_id 255", SurfaceMessage, fmt.Sprintf(`[{"type":"divider","block_id":%q}]`, long(255)), ""},
		{"block_id 256", SurfaceMessage, fmt.Sprintf(`[{"type":"divider","block_id":%q}]`, long(256)), "block_id.max_length"},
		{"section text 3000", SurfaceMessage, "[" + section(mrkdwn(long(3000))) + "]", ""},
		{"section text 3001", SurfaceMessage, "[" + section(mrkdwn(long(3001))) + "]", "section.text.max_length"},
		{"section text counts runes", SurfaceMessage, "[" + section(mrkdwn(strings.Repeat("é", 3000))) + "]", ""},
		{"empty text", SurfaceMessage, "[" + section(mrkdwn("")) + "]", "text.empty"},
		{"bad text type", SurfaceMessage, `[{"type":"section","text":{"type":"markdown","text":"x"}}]`, "text.type"},
		{"section without text or fields", SurfaceMessage, `[{"type":"section"}]`, "section.text_or_fields"},
		{"section 10 fields", SurfaceMessage, `[{"type":"section","fields":` + repeat(10, mrkdwn("f")) + `}]`, ""},
		{"section 11 fields", SurfaceMessage, `[{"type":"section","fields":` + repeat(11, mrkdwn("f")) + `}]`, "section.fields.max_items"},
		{"section field 2001", SurfaceMessage, `[{"type":"section","fields":[` + mrkdwn(long(2001)) + `]}]`, "section.fields.max_length"},
		{"header 150", SurfaceMessage, `[{"type":"header","text":` + plain(long(150)) + `}]`, ""},
		{"header 151", SurfaceMessage, `[{"type":"header","text":` + plain(long(151)) + `}]`, "header.text.max_length"},
		{"header mrkdwn", SurfaceMessage, `[{"type":"header","text":` + mrkdwn("x") + `}]`, "header.text.plain_text"},
		{"context 10", SurfaceMessage, `[{"type":"context","elements":` + repeat(10, mrkdwn("c")) + `}]`, ""},
		{"context 11", SurfaceMessage, `[{"type":"context","elements":` + repeat(11, mrkdwn("c")) + `}]`, "context.elements.max_items"},
		{"context with a button", SurfaceMessage, `[{"type":"context","elements":[` + button("b") + `]}]`, "context.element.type"},
		{"actions 25", SurfaceMessage, `[{"type":"actions","elements":[` + strings.Join(buttons(25), ",") + `]}]`, ""},
		{"actions 26", SurfaceMessage, `[{"type":"actions","elements":[` + strings.Join(buttons(26), ",") + `]}]`, "actions.elements.max_items"},
		{"button text 76", SurfaceMessage, `[{"type":"actions","elements":[{"type":"button","action_id":"b","text":` + plain(long(76)) + `}]}]`, "button.text.max_length"},
		{"button value 2001", SurfaceMessage, `[{"type":"actions","elements":[{"type":"button","action_id":"b","text":` + plain("x") + `,"value":"` + long(2001) + `"}]}]`, "button.value.max_length"},
		{"button url 3001", SurfaceMessage, `[{"type":"actions","elements":[{"type":"button","action_id":"b","text":` + plain("x") + `,"url":"` + long(3001) + `"}]}]`, "button.url.max_length"},
		{"button style", SurfaceMessage, `[{"type":"actions","elements":[{"type":"button","action_id":"b","text":` + plain("x") + `,"style":"green"}]}]`, "button.style"},
		{"button mrkdwn text", SurfaceMessage, `[{"type":"actions","elements":[{"type":"button","action_id":"b","text":` + mrkdwn("x") + `}]}]`, "button.text.plain_text"},
		{"action_id 256", SurfaceMessage, `[{"type":"actions","elements":[` + button(long(256)) + `]}]`, "action_id.max_length"},
		{"duplicate action_id in a block", SurfaceMessage, `[{"type":"actions","elements":[` + button("a") + `,` + button("a") + `]}]`, "action_id.duplicate"},
		{"same action_id in two message blocks", SurfaceMessage, `[{"type":"actions","elements":[` + button("a") + `]},{"type":"actions","elements":[` + button("a") + `]}]`, ""},
		{"same action_id in two modal blocks", SurfaceModal, `[{"type":"actions","elements":[` + button("a") + `]},{"type":"actions","elements":[` + button("a") + `]}]`, ""},
		{"duplicate action_id in a modal block", SurfaceModal, `[{"type":"actions","elements":[` + button("a") + `,` + button("a") + `]}]`, "action_id.duplicate"},
		{"input in a message", SurfaceMessage, "[" + input("i", `{"type":"plain_text_input","action_id":"a"}`) + "]", "input.surface"},
		{"input in home", SurfaceHome, "[" + input("i", `{"type":"plain_text_input","action_id":"a"}`) + "]", ""},
		{"input label 2001", SurfaceModal, `[{"type":"input","label":` + plain(long(2001)) + `,"element":{"type":"plain_text_input","action_id":"a"}}]`, "input.label.max_length"},
		{"input label missing", SurfaceModal, `[{"type":"input","element":{"type":"plain_text_input","action_id":"a"}}]`, "input.label.required"},
		{"input hint 2001", SurfaceModal, `[{"type":"input","label":` + plain("l") + `,"hint":` + plain(long(2001)) + `,"element":{"type":"plain_text_input","action_id":"a"}}]`, "input.hint.max_length"},
		{"input with a button", SurfaceModal, "[" + input("i", button("b")) + "]", "element.type"},
		{"placeholder 151", SurfaceModal, "[" + input("i", `{"type":"plain_text_input","action_id":"a","placeholder":`+plain(long(151))+`}`) + "]", "placeholder.max_length"},
		{"max_length 3001", SurfaceModal, "[" + input("i", `{"type":"plain_text_input","action_id":"a","max_length":3001}`) + "]", "plain_text_input.max_length"},
		{"initial_value over max_length", SurfaceModal, "[" + input("i", `{"type":"plain_text_input","action_id":"a","max_length":5,"initial_value":"toolong"}`) + "]", "plain_text_input.initial_value.max_length"},
		{"initial_value within max_length", SurfaceModal, "[" + input("i", `{"type":"plain_text_input","action_id":"a","max_length":7,"initial_value":"toolong"}`) + "]", ""},
		{"static_select 100 options", SurfaceModal, "[" + input("i", `{"type":"static_select","action_id":"a","options":`+nOptions(100)+`}`) + "]", ""},
		{"static_select 101 options", SurfaceModal, "[" + input("i", `{"type":"static_select","action_id":"a","options":`+nOptions(101)+`}`) + "]", "static_select.options.max_items"},
		{"static_select without options", SurfaceModal, "[" + input("i", `{"type":"static_select","action_id":"a"}`) + "]", "static_select.options.required"},
		{"initial_option not in options", SurfaceModal, "[" + input("i", `{"type":"static_select","action_id":"a","options":`+nOptions(2)+`,"initial_option":`+option("o9", "v9")+`}`) + "]", "initial_option.not_in_options"},
		{"checkboxes 10", SurfaceModal, "[" + input("i", `{"type":"checkboxes","action_id":"a","options":`+nOptions(10)+`}`) + "]", ""},
		{"checkboxes 11", SurfaceModal, "[" + input("i", `{"type":"checkboxes","action_id":"a","options":`+nOptions(11)+`}`) + "]", "checkboxes.options.max_items"},
		{"radio_buttons 11", SurfaceModal, "[" + input("i", `{"type":"radio_buttons","action_id":"a","options":`+nOptions(11)+`}`) + "]", "radio_buttons.options.max_items"},
		{"checkbox option may be mrkdwn", SurfaceModal, "[" + input("i", `{"type":"checkboxes","action_id":"a","options":[{"text":`+mrkdwn("*x*")+`,"value":"x"}]}`) + "]", ""},
		{"select option must be plain", SurfaceModal, "[" + input("i", `{"type":"static_select","action_id":"a","options":[{"text":`+mrkdwn("*x*")+`,"value":"x"}]}`) + "]", "option.text.plain_text"},
		{"option text 76", SurfaceModal, "[" + input("i", `{"type":"static_select","action_id":"a","options":[`+option(long(76), "v")+`]}`) + "]", "option.text.max_length"},
		{"option value 76", SurfaceModal, "[" + input("i", `{"type":"static_select","action_id":"a","options":[`+option("t", long(76))+`]}`) + "]", "option.value.max_length"},
		{"option value 75", SurfaceModal, "[" + input("i", `{"type":"static_select","action_id":"a","options":[`+option("t", long(75))+`]}`) + "]", ""},
		{"option description 76", SurfaceModal, "[" + input("i", `{"type":"radio_buttons","action_id":"a","options":[{"text":`+plain("t")+`,"value":"v","description":`+plain(long(76))+`}]}`) + "]", "option.description.max_length"},
		{"overflow 6 options", SurfaceMessage, `[{"type":"section","text":` + mrkdwn("x") + `,"accessory":{"type":"overflow","action_id":"o","options":` + nOptions(6) + `}}]`, "overflow.options.max_items"},
		{"datepicker format", SurfaceModal, "[" + input("i", `{"type":"datepicker","action_id":"a","initial_date":"05/01/2024"}`) + "]", "datepicker.initial_date.format"},
		{"image without alt_text", SurfaceMessage, `[{"type":"image","image_url":"https://example.com/x.png"}]`, "image.alt_text.required"},
		{"image url 3001", SurfaceMessage, `[{"type":"image","alt_text":"a","image_url":"` + long(3001) + `"}]`, "image.image_url.max_length"},
		{"rich_text passes", SurfaceMessage, `[{"type":"rich_text","elements":[]}]`, ""},
		{"confirm title 101", SurfaceMessage, `[{"type":"actions","elements":[{"type":"button","action_id":"b","text":` + plain("x") + `,"confirm":{"title":` + plain(long(101)) + `,"text":` + plain("t") + `,"confirm":` + plain("y") + `,"deny":` + plain("n") + `}}]}]`, "confirm.title.max_length"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			issues := ValidateBlocks(tt.surface, json.RawMessage(tt.blocks))
			if tt.rule == "" {
				if len(issues) > 0 {
					t.Errorf("want valid, got %v", issues)
				}
				return
			}
			for _, is := range issues {
				if is.Rule == tt.rule {
					if !strings.HasPrefix(is.Pointer, "/blocks") || !strings.HasPrefix(is.String(), "[ERROR] ") {
						t.Errorf("issue %q has pointer %q", is.String(), is.Pointer)
					}
					return
				}
			}
			t.Errorf("want rule %s, got %v", tt.rule, issues)
		})
	}
}

func buttons(n int) []string {
	var out []string
	for i := range n {
		out = append(out, button(fmt.Sprint("b", i)))
	}
	return out
}

func TestValidateView(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	in := "[" + input("i", `{"type":"plain_text_input","action_id":"a"}`) + "]"
	tests := []struct {
		name string
		view string
		rule string
	}{
		{"valid modal", modal("", in), ""},
		{"title 24", fmt.Sprintf(`{"type":"modal","title":%s,"blocks":[]}`, plain(long(24))), ""},
		{"title 25", fmt.Sprintf(`{"type":"modal","title":%s,"blocks":[]}`, plain(long(25))), "modal.title.max_length"},
		{"title missing", `{"type":"modal","blocks":[]}`, "modal.title.required"},
		{"title mrkdwn", fmt.Sprintf(`{"type":"modal","title":%s,"blocks":[]}`, mrkdwn("x")), "modal.title.plain_text"},
		{"submit 25", fmt.Sprintf(`{"type":"modal","title":%s,"submit":%s,"blocks":[]}`, plain("t"), plain(long(25))), "modal.submit.max_length"},
		{"close 25", fmt.Sprintf(`{"type":"modal","title":%s,"close":%s,"blocks":[]}`, plain("t"), plain(long(25))), "modal.close.max_length"},
		{"inputs need submit", fmt.Sprintf(`{"type":"modal","title":%s,"blocks":%s}`, plain("t"), in), "modal.submit.required"},
		{"callback_id 256", modal(fmt.Sprintf(`,"callback_id":%q`, long(256)), in), "view.callback_id.max_length"},
		{"private_metadata 3000", modal(fmt.Sprintf(`,"private_metadata":%q`, long(3000)), in), ""},
		{"private_metadata 3001", modal(fmt.Sprintf(`,"private_metadata":%q`, long(3001)), in), "view.private_metadata.max_length"},
		{"external_id 256", modal(fmt.Sprintf(`,"external_id":%q`, long(256)), in), "view.external_id.max_length"},
		{"blocks missing", fmt.Sprintf(`{"type":"modal","title":%s}`, plain("t")), "view.blocks.required"},
		{"valid home", `{"type":"home","blocks":[` + section(mrkdwn("hi")) + `]}`, ""},
		{"home with 101 blocks", `{"type":"home","blocks":` + repeat(101, `{"type":"divider"}`) + `}`, "blocks.max_count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			issues := ValidateView(json.RawMessage(tt.view))
			if tt.rule == "" {
				if len(issues) > 0 {
					t.Errorf("want valid, got %v", issues)
				}
				return
			}
			for _, is := range issues {
				if is.Rule == tt.rule {
					if !strings.HasPrefix(is.Pointer, "/view") {
						t.Errorf("pointer %q", is.Pointer)
					}
					return
				}
			}
			t.Errorf("want rule %s, got %v", tt.rule, issues)
		})
	}

	// views.open wants a modal, views.publish a home view.
	if issues := validateViewAny(map[string]any{"type": "home", "blocks": []any{}}, SurfaceModal, "/view"); len(issues) == 0 || issues[0].Rule != "view.type" {
		t.Errorf("home view as modal: %v", issues)
	}
}

func TestNormalizeBlocks(t *testing.T) {
	var blocks []any
	if err := json.Unmarshal([]byte(`[{"type":"divider"},{"type":"actions","block_id":"keep","elements":[{"type":"button","text":{"type":"plain_text","text":"x"}}]}]`), &blocks); err != nil {
		t.Fatal(err)
	}
	n := 0
	normalizeBlocks(blocks, func() string { n++; return fmt.Sprint("gen", n) })
	b0 := blocks[0].(map[string]any)
	b1 := blocks[1].(map[string]any)
	el := b1["elements"].([]any)[0].(map[string]any)
	if b0["block_id"] != "gen1" || b1["block_id"] != "keep" || el["action_id"] != "gen2" {
		t.Errorf("normalized = %v", blocks)
	}
}

// chart is a data_visualization block of kind typ ("bar", "area", "line")
// with the given series over categories; every series has a point per
// category.
func chart(title, typ string, categories []string, series ...string) string {
	var ss []string
	for _, name := range series {
		var pts []string
		for i, c := range categories {
			pts = append(pts, fmt.Sprintf(`{"label":%q,"value":%d}`, c, 10*i))
		}
		ss = append(ss, fmt.Sprintf(`{"name":%q,"data":[%s]}`, name, strings.Join(pts, ",")))
	}
	cats, _ := json.Marshal(categories)
	return fmt.Sprintf(`{"type":"data_visualization","title":%q,"chart":{"type":%q,"series":[%s],"axis_config":{"categories":%s,"x_label":"Unit","y_label":"%% done"}}}`,
		title, typ, strings.Join(ss, ","), cats)
}

func pie(segments ...string) string {
	return `{"type":"data_visualization","title":"Ratings","chart":{"type":"pie","segments":[` + strings.Join(segments, ",") + `]}}`
}

func names(prefix string, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprint(prefix, i+1))
	}
	return out
}

// TestValidateCharts: a chart inside Slack's limits passes; each limit
// broken is refused with its rule.
func TestValidateCharts(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	units := []string{"Sales", "Public Health", "The rest"}
	three := []string{"Expectations", "Goals", "Check-ins in Q2"}
	withChart := func(old, new string) string {
		return "[" + strings.Replace(chart("Completion by unit", "bar", units, three...), old, new, 1) + "]"
	}
	tests := []struct {
		name   string
		blocks string
		rule   string // "" = valid
	}{
		{"a grouped bar chart", "[" + chart("Completion by unit", "bar", units, three...) + "]", ""},
		{"a line chart", "[" + chart("Overdue items, week by week", "line", []string{"Oct 5", "Oct 12"}, "Overdue") + "]", ""},
		{"an area chart", "[" + chart("Area", "area", units, "A") + "]", ""},
		{"a pie", "[" + pie(`{"label":"Achieves","value":3}`, `{"label":"Exceeds","value":1.5}`) + "]", ""},
		{"negative values on a line", `[{"type":"data_visualization","title":"t","chart":{"type":"line","series":[{"name":"s","data":[{"label":"a","value":-3}]}],"axis_config":{"categories":["a"]}}}]`, ""},
		{"title of 50", "[" + chart(long(50), "bar", units, three...) + "]", ""},
		{"title of 51", "[" + chart(long(51), "bar", units, three...) + "]", "data_visualization.title.max_length"},
		{"title counts runes", "[" + chart(strings.Repeat("é", 50), "bar", units, three...) + "]", ""},
		{"no title", withChart(`"title":"Completion by unit",`, ""), "data_visualization.title.required"},
		{"empty title", withChart(`"title":"Completion by unit"`, `"title":""`), "data_visualization.title.min_length"},
		{"no chart", `[{"type":"data_visualization","title":"t"}]`, "data_visualization.chart.required"},
		{"unknown chart type", withChart(`"type":"bar"`, `"type":"scatter"`), "chart.type"},
		{"6 series", "[" + chart("t", "bar", units, names("s", 6)...) + "]", ""},
		{"7 series", "[" + chart("t", "bar", units, names("s", 7)...) + "]", "chart.series.count"},
		{"no series", `[{"type":"data_visualization","title":"t","chart":{"type":"bar","series":[],"axis_config":{"categories":["a"]}}}]`, "chart.series.count"},
		{"series missing", `[{"type":"data_visualization","title":"t","chart":{"type":"line","axis_config":{"categories":["a"]}}}]`, "chart.series.required"},
		{"series name of 20", "[" + chart("t", "bar", units, long(20)) + "]", ""},
		{"series name of 21", "[" + chart("t", "bar", units, long(21)) + "]", "chart.series.name.max_length"},
		{"series names repeated", "[" + chart("t", "bar", units, "Goals", "Goals") + "]", "chart.series.name.duplicate"},
		{"20 points", "[" + chart("t", "line", names("w", 20), "Overdue") + "]", ""},
		{"21 points", "[" + chart("t", "line", names("w", 21), "Overdue") + "]", "chart.series.data.count"},
		{"21 categories", "[" + chart("t", "line", names("w", 21), "Overdue") + "]", "chart.categories.count"},
		{"category of 20", "[" + chart("t", "bar", []string{long(20)}, "s") + "]", ""},
		{"category of 21", "[" + chart("t", "bar", []string{long(21)}, "s") + "]", "chart.category.max_length"},
		{"point label of 21", "[" + chart("t", "bar", []string{long(21)}, "s") + "]", "chart.point.label.max_length"},
		{"categories repeated", "[" + chart("t", "bar", []string{"a", "a"}, "s") + "]", "chart.category.duplicate"},
		{"no axis_config", `[{"type":"data_visualization","title":"t","chart":{"type":"bar","series":[{"name":"s","data":[{"label":"a","value":1}]}]}}]`, "chart.axis_config.required"},
		{"x_label of 51", withChart(`"x_label":"Unit"`, `"x_label":"`+long(51)+`"`), "chart.axis_config.x_label.max_length"},
		{"y_label of 51", withChart(`"y_label":"% done"`, `"y_label":"`+long(51)+`"`), "chart.axis_config.y_label.max_length"},
		{"a point off the categories", withChart(`{"label":"Sales","value":0}`, `{"label":"Marketing","value":0}`), "chart.point.label.category"},
		{"a category without its point", withChart(`{"label":"Sales","value":0},`, ""), "chart.series.data.categories"},
		{"a point twice", withChart(`{"label":"Public Health","value":10}`, `{"label":"Sales","value":10}`), "chart.point.label.duplicate"},
		{"a value that is not a number", withChart(`"value":10`, `"value":"10"`), "chart.point.value"},
		{"6 segments", "[" + pie(strings.Split(strings.Repeat(`{"label":"a","value":1};`, 6), ";")[:6]...) + "]", ""},
		{"7 segments", "[" + pie(strings.Split(strings.Repeat(`{"label":"a","value":1};`, 7), ";")[:7]...) + "]", "chart.segments.count"},
		{"no segments", "[" + pie() + "]", "chart.segments.count"},
		{"segment label of 21", "[" + pie(`{"label":"`+long(21)+`","value":1}`) + "]", "chart.segment.label.max_length"},
		{"segment of 0", "[" + pie(`{"label":"a","value":0}`) + "]", "chart.segment.value"},
		{"two charts in a message", "[" + chart("a", "bar", units, "s") + "," + chart("b", "line", units, "s") + "]", ""},
		{"three charts in a message", "[" + chart("a", "bar", units, "s") + "," + chart("b", "line", units, "s") + "," + pie(`{"label":"a","value":1}`) + "]", "data_visualization.max_per_message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			issues := ValidateBlocks(SurfaceMessage, json.RawMessage(tt.blocks))
			if tt.rule == "" {
				if len(issues) > 0 {
					t.Errorf("want valid, got %v", issues)
				}
				return
			}
			for _, is := range issues {
				if is.Rule == tt.rule {
					if !strings.HasPrefix(is.Pointer, "/blocks/") {
						t.Errorf("issue %q has pointer %q", is.String(), is.Pointer)
					}
					return
				}
			}
			t.Errorf("want rule %s, got %v", tt.rule, issues)
		})
	}
}
