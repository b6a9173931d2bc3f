package slackemu

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Surface is where blocks are shown; limits and allowed blocks depend on it.
type Surface string

// Surfaces.
const (
	SurfaceMessage Surface = "message"
	SurfaceModal   Surface = "modal"
	SurfaceHome    Surface = "home"
)

// Block Kit limits enforced by the validator.
const (
	maxMessageBlocks      = 50
	maxViewBlocks         = 100
	maxIDLen              = 255 // block_id, action_id, callback_id, external_id
	maxModalTitle         = 24  // also submit and close
	maxPrivateMetadata    = 3000
	maxSectionText        = 3000
	maxSectionFields      = 10
	maxSectionField       = 2000
	maxHeaderText         = 150
	maxContextElements    = 10
	maxActionsElements    = 25
	maxButtonText         = 75
	maxButtonValue        = 2000
	maxURL                = 3000
	maxLabel              = 2000 // input label and hint
	maxPlaceholder        = 150
	maxTextInput          = 3000 // plain_text_input max_length, min_length, initial_value
	maxSelectOptions      = 100
	maxChoiceOptions      = 10 // checkboxes and radio_buttons
	maxOverflowOptions    = 5
	maxOptionText         = 75 // option text, value, description
	maxImageAltText       = 2000
	maxConfirmTitle       = 100
	maxConfirmText        = 300
	maxConfirmButtonLabel = 30
)

// Limits of the data_visualization block (a chart), from Slack's reference
// (https://docs.slack.dev/reference/block-kit/blocks/data-visualization-block):
// the title at most 50 characters; a pie has 1 to 6 segments, each labelled
// in at most 20 characters with a value greater than 0; a bar, area or line
// chart has 1 to 6 series and an axis_config. A series' name is unique in
// its chart and at most 20 characters, with 1 to 20 data points; each
// point's label is one of axis_config's categories (at most 20 characters
// each), one point per category; x_label and y_label are at most 50
// characters. slack-go v0.35.0 documents the same limits
// (DataVisualizationBlock.Validate).
const (
	maxChartTitle       = 50
	maxChartSeries      = 6  // segments of a pie, series of the others
	maxChartLabel       = 20 // segment labels, series names, categories, point labels
	maxChartPoints      = 20
	maxChartAxisLabel   = 50
	maxChartsPerMessage = 2 // not in the reference: Slack answers invalid_blocks to a third (vercel/chat#696, found live)
)

// Issue is one Block Kit rule a payload breaks.
type Issue struct {
	// Rule names the rule, e.g. "section.text.max_length".
	Rule string
	// Pointer is the JSON pointer of the offending value, e.g.
	// "/blocks/0/text/text".
	Pointer string
	// Message is Slack-style text, e.g. "must be less than 3001 characters".
	Message string
}

// String renders the issue the way Slack does in
// response_metadata.messages.
func (i Issue) String() string {
	return fmt.Sprintf("[ERROR] %s [json-pointer:%s]", i.Message, i.Pointer)
}

// issueStrings renders issues for response_metadata.messages.
func issueStrings(issues []Issue) []string {
	out := make([]string, len(issues))
	for i, is := range issues {
		out[i] = is.String()
	}
	return out
}

// issueRules renders issues for a violation, naming the rules.
func issueRules(issues []Issue) string {
	out := make([]string, len(issues))
	for i, is := range issues {
		out[i] = is.String() + " (rule " + is.Rule + ")"
	}
	return strings.Join(out, "; ")
}

// ValidateBlocks checks a JSON array of blocks for a surface against
// Slack's Block Kit limits. It returns nil if the blocks are valid.
// Pointers start at "/blocks".
func ValidateBlocks(surface Surface, blocks json.RawMessage) []Issue {
	var arr any
	if err := json.Unmarshal(blocks, &arr); err != nil {
		return []Issue{{Rule: "blocks.json", Pointer: "/blocks", Message: "invalid JSON: " + err.Error()}}
	}
	return validateBlocksAny(surface, arr, "/blocks")
}

// ValidateView checks a view object (as passed to views.open, views.push,
// views.update or views.publish) against Slack's limits. The surface is
// taken from the view's type. Pointers start at "/view".
func ValidateView(view json.RawMessage) []Issue {
	var obj map[string]any
	if err := json.Unmarshal(view, &obj); err != nil {
		return []Issue{{Rule: "view.json", Pointer: "/view", Message: "invalid JSON object: " + err.Error()}}
	}
	typ, _ := obj["type"].(string)
	surface := SurfaceModal
	if typ == string(SurfaceHome) {
		surface = SurfaceHome
	}
	return validateViewAny(obj, surface, "/view")
}

func validateBlocksAny(surface Surface, blocks any, ptr string) []Issue {
	v := newValidator(surface)
	v.blocks(blocks, ptr)
	return v.issues
}

func validateViewAny(view map[string]any, surface Surface, ptr string) []Issue {
	v := newValidator(surface)
	v.view(view, ptr)
	return v.issues
}

type validator struct {
	surface   Surface
	issues    []Issue
	blockIDs  map[string]bool
	actionIDs map[string]bool // per block: Slack wants action_ids unique within their block
}

func newValidator(surface Surface) *validator {
	return &validator{surface: surface, blockIDs: map[string]bool{}, actionIDs: map[string]bool{}}
}

func (v *validator) add(rule, ptr, format string, args ...any) {
	v.issues = append(v.issues, Issue{Rule: rule, Pointer: ptr, Message: fmt.Sprintf(format, args...)})
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// maxLen checks an optional string field.
func (v *validator) maxLen(obj map[string]any, key, ptr, rule string, limit int) {
	x, ok := obj[key]
	if !ok || x == nil {
		return
	}
	s, isStr := x.(string)
	if !isStr {
		v.add(rule, ptr+"/"+key, "must be a string")
		return
	}
	if runes(s) > limit {
		v.add(rule, ptr+"/"+key, "must be less than %d characters", limit+1)
	}
}

func (v *validator) view(view map[string]any, ptr string) {
	typ, _ := view["type"].(string)
	if typ != string(v.surface) {
		v.add("view.type", ptr+"/type", "must be %q", string(v.surface))
	}
	if v.surface == SurfaceModal {
		v.text(view["title"], ptr+"/title", textSpec{rule: "modal.title", max: maxModalTitle, plainOnly: true, required: true})
		v.text(view["submit"], ptr+"/submit", textSpec{rule: "modal.submit", max: maxModalTitle, plainOnly: true})
		v.text(view["close"], ptr+"/close", textSpec{rule: "modal.close", max: maxModalTitle, plainOnly: true})
		if view["submit"] == nil && hasInputBlock(view["blocks"]) {
			v.add("modal.submit.required", ptr, "must provide a submit field when including input blocks")
		}
	}
	v.maxLen(view, "callback_id", ptr, "view.callback_id.max_length", maxIDLen)
	v.maxLen(view, "private_metadata", ptr, "view.private_metadata.max_length", maxPrivateMetadata)
	v.maxLen(view, "external_id", ptr, "view.external_id.max_length", maxIDLen)
	if _, ok := view["blocks"]; !ok {
		v.add("view.blocks.required", ptr+"/blocks", "missing required field: blocks")
		return
	}
	v.blocks(view["blocks"], ptr+"/blocks")
}

func hasInputBlock(blocks any) bool {
	arr, _ := blocks.([]any)
	for _, b := range arr {
		if bm, ok := b.(map[string]any); ok && bm["type"] == "input" {
			return true
		}
	}
	return false
}

func (v *validator) blocks(x any, ptr string) {
	arr, ok := x.([]any)
	if !ok {
		v.add("blocks.type", ptr, "must be an array")
		return
	}
	limit := maxViewBlocks
	if v.surface == SurfaceMessage {
		limit = maxMessageBlocks
	}
	if len(arr) > limit {
		v.add("blocks.max_count", ptr, "no more than %d items allowed", limit)
	}
	charts := 0
	for i, b := range arr {
		bp := fmt.Sprintf("%s/%d", ptr, i)
		if bm, ok := b.(map[string]any); ok && bm["type"] == "data_visualization" {
			if charts++; charts > maxChartsPerMessage && v.surface == SurfaceMessage {
				v.add("data_visualization.max_per_message", bp, "no more than %d data_visualization blocks allowed in a message", maxChartsPerMessage)
			}
		}
		v.block(b, bp)
	}
}

// knownBlocks are block types Slack accepts that the validator does not
// check further.
var knownBlocks = map[string]bool{
	"rich_text": true, "video": true, "file": true, "markdown": true, "table": true,
	"call": true, "context_actions": true,
}

func (v *validator) block(x any, ptr string) {
	b, ok := x.(map[string]any)
	if !ok {
		v.add("block.object", ptr, "must be an object")
		return
	}
	typ, ok := b["type"].(string)
	if !ok || typ == "" {
		v.add("block.type.required", ptr+"/type", "missing required field: type")
		return
	}
	if id, has := b["block_id"]; has {
		s, isStr := id.(string)
		switch {
		case !isStr:
			v.add("block_id.type", ptr+"/block_id", "must be a string")
		case runes(s) > maxIDLen:
			v.add("block_id.max_length", ptr+"/block_id", "must be less than %d characters", maxIDLen+1)
		case v.blockIDs[s]:
			v.add("block_id.duplicate", ptr+"/block_id", "duplicate block_id %q", s)
		default:
			v.blockIDs[s] = true
		}
	}
	v.actionIDs = map[string]bool{} // action_ids must be unique within their block, on every surface
	switch typ {
	case "section":
		_, hasText := b["text"]
		_, hasFields := b["fields"]
		if !hasText && !hasFields {
			v.add("section.text_or_fields", ptr, "must provide either text or fields")
		}
		if hasText {
			v.text(b["text"], ptr+"/text", textSpec{rule: "section.text", max: maxSectionText})
		}
		if hasFields {
			fields, ok := b["fields"].([]any)
			if !ok {
				v.add("section.fields.type", ptr+"/fields", "must be an array")
			} else {
				if len(fields) > maxSectionFields {
					v.add("section.fields.max_items", ptr+"/fields", "no more than %d items allowed", maxSectionFields)
				}
				for i, f := range fields {
					v.text(f, fmt.Sprintf("%s/fields/%d", ptr, i), textSpec{rule: "section.fields", max: maxSectionField, required: true})
				}
			}
		}
		if acc, ok := b["accessory"]; ok {
			v.element(acc, ptr+"/accessory", accessoryTypes, "section accessory")
		}
	case "header":
		v.text(b["text"], ptr+"/text", textSpec{rule: "header.text", max: maxHeaderText, plainOnly: true, required: true})
	case "divider":
	case "context":
		els, ok := b["elements"].([]any)
		switch {
		case !ok:
			v.add("context.elements.required", ptr+"/elements", "missing required field: elements")
		case len(els) == 0:
			v.add("context.elements.min_items", ptr+"/elements", "must provide at least 1 item")
		case len(els) > maxContextElements:
			v.add("context.elements.max_items", ptr+"/elements", "no more than %d items allowed", maxContextElements)
		}
		for i, e := range els {
			ep := fmt.Sprintf("%s/elements/%d", ptr, i)
			em, _ := e.(map[string]any)
			switch em["type"] {
			case "image":
				v.image(em, ep, "context.image")
			case "plain_text", "mrkdwn":
				v.text(em, ep, textSpec{rule: "context.text", max: maxSectionText})
			default:
				v.add("context.element.type", ep+"/type", "context elements must be images or text objects")
			}
		}
	case "actions":
		els, ok := b["elements"].([]any)
		switch {
		case !ok:
			v.add("actions.elements.required", ptr+"/elements", "missing required field: elements")
		case len(els) == 0:
			v.add("actions.elements.min_items", ptr+"/elements", "must provide at least 1 item")
		case len(els) > maxActionsElements:
			v.add("actions.elements.max_items", ptr+"/elements", "no more than %d items allowed", maxActionsElements)
		}
		for i, e := range els {
			v.element(e, fmt.Sprintf("%s/elements/%d", ptr, i), actionsTypes, "actions block")
		}
	case "input":
		if v.surface == SurfaceMessage {
			v.add("input.surface", ptr+"/type", "input blocks are only allowed in modals and home tabs")
		}
		v.text(b["label"], ptr+"/label", textSpec{rule: "input.label", max: maxLabel, plainOnly: true, required: true})
		v.text(b["hint"], ptr+"/hint", textSpec{rule: "input.hint", max: maxLabel, plainOnly: true})
		if _, ok := b["element"]; !ok {
			v.add("input.element.required", ptr+"/element", "missing required field: element")
		} else {
			v.element(b["element"], ptr+"/element", inputTypes, "input block")
		}
	case "image":
		v.image(b, ptr, "image")
		v.text(b["title"], ptr+"/title", textSpec{rule: "image.title", max: maxImageAltText, plainOnly: true})
	case "data_visualization":
		v.chartBlock(b, ptr)
	default:
		if !knownBlocks[typ] {
			v.add("block.type.unsupported", ptr+"/type", "unsupported type %q", typ)
		}
	}
}

// label checks a chart's string field: present, not empty, at most limit
// characters.
func (v *validator) label(obj map[string]any, key, ptr, rule string, limit int, required bool) (string, bool) {
	x, has := obj[key]
	if !has || x == nil {
		if required {
			v.add(rule+".required", ptr+"/"+key, "missing required field: %s", key)
		}
		return "", false
	}
	s, ok := x.(string)
	switch {
	case !ok:
		v.add(rule+".type", ptr+"/"+key, "must be a string")
		return "", false
	case s == "" && required:
		v.add(rule+".min_length", ptr+"/"+key, "must be more than 0 characters")
		return "", false
	case runes(s) > limit:
		v.add(rule+".max_length", ptr+"/"+key, "must be less than %d characters", limit+1)
	}
	return s, true
}

// chartBlock checks a data_visualization block (see maxChartTitle).
func (v *validator) chartBlock(b map[string]any, ptr string) {
	v.label(b, "title", ptr, "data_visualization.title", maxChartTitle, true)
	chart, ok := b["chart"].(map[string]any)
	if !ok {
		v.add("data_visualization.chart.required", ptr+"/chart", "missing required field: chart")
		return
	}
	cp := ptr + "/chart"
	switch typ, _ := chart["type"].(string); typ {
	case "pie":
		segs, ok := chart["segments"].([]any)
		if !ok {
			v.add("chart.segments.required", cp+"/segments", "missing required field: segments")
			return
		}
		if len(segs) < 1 || len(segs) > maxChartSeries {
			v.add("chart.segments.count", cp+"/segments", "must provide 1 to %d items", maxChartSeries)
		}
		for i, x := range segs {
			sp := fmt.Sprintf("%s/segments/%d", cp, i)
			seg, ok := x.(map[string]any)
			if !ok {
				v.add("chart.segment.object", sp, "must be an object")
				continue
			}
			v.label(seg, "label", sp, "chart.segment.label", maxChartLabel, true)
			if f, ok := seg["value"].(float64); !ok || f <= 0 {
				v.add("chart.segment.value", sp+"/value", "must be a number greater than 0")
			}
		}
	case "bar", "area", "line":
		v.seriesChart(chart, cp)
	default:
		v.add("chart.type", cp+"/type", "must be one of pie, bar, area or line")
	}
}

// seriesChart checks a bar, area or line chart: its axis_config and its
// series, one point per category.
func (v *validator) seriesChart(chart map[string]any, ptr string) {
	categories := map[string]bool{}
	ncats := 0
	axis, ok := chart["axis_config"].(map[string]any)
	if !ok {
		v.add("chart.axis_config.required", ptr+"/axis_config", "missing required field: axis_config")
	} else {
		ap := ptr + "/axis_config"
		v.label(axis, "x_label", ap, "chart.axis_config.x_label", maxChartAxisLabel, false)
		v.label(axis, "y_label", ap, "chart.axis_config.y_label", maxChartAxisLabel, false)
		cats, ok := axis["categories"].([]any)
		switch {
		case !ok:
			v.add("chart.categories.required", ap+"/categories", "missing required field: categories")
		case len(cats) < 1 || len(cats) > maxChartPoints:
			v.add("chart.categories.count", ap+"/categories", "must provide 1 to %d items", maxChartPoints)
		}
		ncats = len(cats)
		for i, c := range cats {
			s, isStr := c.(string)
			cpp := fmt.Sprintf("%s/categories/%d", ap, i)
			switch {
			case !isStr || s == "":
				v.add("chart.category.min_length", cpp, "must be a string of more than 0 characters")
			case runes(s) > maxChartLabel:
				v.add("chart.category.max_length", cpp, "must be less than %d characters", maxChartLabel+1)
			case categories[s]:
				v.add("chart.category.duplicate", cpp, "duplicate category %q", s)
			default:
				categories[s] = true
			}
		}
	}
	series, ok := chart["series"].([]any)
	if !ok {
		v.add("chart.series.required", ptr+"/series", "missing required field: series")
		return
	}
	if len(series) < 1 || len(series) > maxChartSeries {
		v.add("chart.series.count", ptr+"/series", "must provide 1 to %d items", maxChartSeries)
	}
	names := map[string]bool{}
	for i, x := range series {
		sp := fmt.Sprintf("%s/series/%d", ptr, i)
		s, ok := x.(map[string]any)
		if !ok {
			v.add("chart.series.object", sp, "must be an object")
			continue
		}
		if name, ok := v.label(s, "name", sp, "chart.series.name", maxChartLabel, true); ok {
			if names[name] {
				v.add("chart.series.name.duplicate", sp+"/name", "series names must be unique: %q", name)
			}
			names[name] = true
		}
		data, ok := s["data"].([]any)
		if !ok {
			v.add("chart.series.data.required", sp+"/data", "missing required field: data")
			continue
		}
		if len(data) < 1 || len(data) > maxChartPoints {
			v.add("chart.series.data.count", sp+"/data", "must provide 1 to %d items", maxChartPoints)
		}
		if axis != nil && len(data) != ncats {
			v.add("chart.series.data.categories", sp+"/data", "must hold exactly one point for every category")
		}
		seen := map[string]bool{}
		for j, y := range data {
			pp := fmt.Sprintf("%s/data/%d", sp, j)
			pt, ok := y.(map[string]any)
			if !ok {
				v.add("chart.point.object", pp, "must be an object")
				continue
			}
			if l, ok := v.label(pt, "label", pp, "chart.point.label", maxChartLabel, true); ok && axis != nil {
				switch {
				case !categories[l]:
					v.add("chart.point.label.category", pp+"/label", "label %q must be one of axis_config's categories", l)
				case seen[l]:
					v.add("chart.point.label.duplicate", pp+"/label", "duplicate label %q in one series", l)
				}
				seen[l] = true
			}
			if _, ok := pt["value"].(float64); !ok {
				v.add("chart.point.value", pp+"/value", "must be a number")
			}
		}
	}
}

func (v *validator) image(img map[string]any, ptr, rule string) {
	_, hasURL := img["image_url"]
	_, hasFile := img["slack_file"]
	if !hasURL && !hasFile {
		v.add(rule+".url.required", ptr, "must provide image_url or slack_file")
	}
	v.maxLen(img, "image_url", ptr, rule+".image_url.max_length", maxURL)
	alt, ok := img["alt_text"].(string)
	switch {
	case !ok || alt == "":
		v.add(rule+".alt_text.required", ptr+"/alt_text", "missing required field: alt_text")
	case runes(alt) > maxImageAltText:
		v.add(rule+".alt_text.max_length", ptr+"/alt_text", "must be less than %d characters", maxImageAltText+1)
	}
}

type textSpec struct {
	rule      string // prefix, e.g. "section.text"
	max       int
	plainOnly bool
	required  bool
}

// text checks a text object.
func (v *validator) text(x any, ptr string, sp textSpec) {
	if x == nil {
		if sp.required {
			v.add(sp.rule+".required", ptr, "missing required field")
		}
		return
	}
	t, ok := x.(map[string]any)
	if !ok {
		v.add("text.object", ptr, "must be a text object")
		return
	}
	typ, _ := t["type"].(string)
	switch typ {
	case "plain_text":
	case "mrkdwn":
		if sp.plainOnly {
			v.add(sp.rule+".plain_text", ptr+"/type", "must be plain_text")
		}
	default:
		v.add("text.type", ptr+"/type", "must be plain_text or mrkdwn")
	}
	s, isStr := t["text"].(string)
	switch {
	case !isStr || s == "":
		v.add("text.empty", ptr+"/text", "must be more than 0 characters")
	case runes(s) > sp.max:
		v.add(sp.rule+".max_length", ptr+"/text", "must be less than %d characters", sp.max+1)
	}
}

func set(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

var (
	selectTypes = []string{
		"static_select", "external_select", "users_select", "conversations_select", "channels_select",
		"multi_static_select", "multi_external_select", "multi_users_select",
		"multi_conversations_select", "multi_channels_select",
	}
	inputTypes = set(append([]string{
		"plain_text_input", "email_text_input", "url_text_input", "number_input",
		"checkboxes", "radio_buttons", "datepicker", "timepicker", "datetimepicker",
		"rich_text_input", "file_input",
	}, selectTypes...)...)
	actionsTypes = set(append([]string{
		"button", "checkboxes", "datepicker", "datetimepicker", "timepicker", "overflow",
		"radio_buttons", "workflow_button", "rich_text_input",
	}, selectTypes...)...)
	accessoryTypes = set(append([]string{
		"button", "checkboxes", "datepicker", "image", "overflow", "radio_buttons",
		"timepicker", "workflow_button",
	}, selectTypes...)...)
)

var (
	dateRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	timeRe = regexp.MustCompile(`^\d{2}:\d{2}$`)
)

// element checks an interactive element (or an image accessory).
func (v *validator) element(x any, ptr string, allowed map[string]bool, where string) {
	e, ok := x.(map[string]any)
	if !ok {
		v.add("element.object", ptr, "must be an object")
		return
	}
	typ, _ := e["type"].(string)
	if !allowed[typ] {
		v.add("element.type", ptr+"/type", "%q is not allowed in %s", typ, where)
		return
	}
	if typ == "image" {
		v.image(e, ptr, "image")
		return
	}
	if id, has := e["action_id"]; has {
		s, isStr := id.(string)
		switch {
		case !isStr:
			v.add("action_id.type", ptr+"/action_id", "must be a string")
		case runes(s) > maxIDLen:
			v.add("action_id.max_length", ptr+"/action_id", "must be less than %d characters", maxIDLen+1)
		case v.actionIDs[s]:
			v.add("action_id.duplicate", ptr+"/action_id", "duplicate action_id %q", s)
		default:
			v.actionIDs[s] = true
		}
	}
	v.text(e["placeholder"], ptr+"/placeholder", textSpec{rule: "placeholder", max: maxPlaceholder, plainOnly: true})
	if c, ok := e["confirm"].(map[string]any); ok {
		cp := ptr + "/confirm"
		v.text(c["title"], cp+"/title", textSpec{rule: "confirm.title", max: maxConfirmTitle, plainOnly: true, required: true})
		v.text(c["text"], cp+"/text", textSpec{rule: "confirm.text", max: maxConfirmText, required: true})
		v.text(c["confirm"], cp+"/confirm", textSpec{rule: "confirm.confirm", max: maxConfirmButtonLabel, plainOnly: true, required: true})
		v.text(c["deny"], cp+"/deny", textSpec{rule: "confirm.deny", max: maxConfirmButtonLabel, plainOnly: true, required: true})
	}

	switch typ {
	case "button":
		v.text(e["text"], ptr+"/text", textSpec{rule: "button.text", max: maxButtonText, plainOnly: true, required: true})
		v.maxLen(e, "value", ptr, "button.value.max_length", maxButtonValue)
		v.maxLen(e, "url", ptr, "button.url.max_length", maxURL)
		if st, has := e["style"]; has && st != "primary" && st != "danger" {
			v.add("button.style", ptr+"/style", "must be primary or danger")
		}
	case "static_select", "multi_static_select":
		opts, hasOpts := e["options"]
		groups, hasGroups := e["option_groups"]
		switch {
		case hasOpts == hasGroups:
			v.add(typ+".options.required", ptr, "must provide exactly one of options or option_groups")
		case hasOpts:
			v.options(opts, ptr+"/options", typ, 1, maxSelectOptions, true)
		default:
			garr, _ := groups.([]any)
			if len(garr) > maxSelectOptions {
				v.add(typ+".option_groups.max_items", ptr+"/option_groups", "no more than %d items allowed", maxSelectOptions)
			}
			for i, g := range garr {
				gm, _ := g.(map[string]any)
				gp := fmt.Sprintf("%s/option_groups/%d", ptr, i)
				v.text(gm["label"], gp+"/label", textSpec{rule: "option_group.label", max: maxOptionText, plainOnly: true, required: true})
				v.options(gm["options"], gp+"/options", typ, 1, maxSelectOptions, true)
			}
		}
		v.initialOptions(e, ptr, typ)
	case "overflow":
		v.options(e["options"], ptr+"/options", typ, 1, maxOverflowOptions, true)
	case "checkboxes", "radio_buttons":
		v.options(e["options"], ptr+"/options", typ, 1, maxChoiceOptions, false)
		v.initialOptions(e, ptr, typ)
	case "external_select", "multi_external_select":
		if o, ok := e["initial_option"]; ok {
			v.option(o, ptr+"/initial_option", true)
		}
	case "plain_text_input":
		maxL := maxTextInput
		if f, ok := e["max_length"].(float64); ok {
			if f > maxTextInput || f < 1 {
				v.add("plain_text_input.max_length", ptr+"/max_length", "must be between 1 and %d", maxTextInput)
			} else {
				maxL = int(f)
			}
		}
		if f, ok := e["min_length"].(float64); ok && (f > maxTextInput || int(f) > maxL || f < 0) {
			v.add("plain_text_input.min_length", ptr+"/min_length", "must be between 0 and max_length (%d)", maxL)
		}
		if s, ok := e["initial_value"].(string); ok && runes(s) > maxL {
			v.add("plain_text_input.initial_value.max_length", ptr+"/initial_value", "must be less than %d characters", maxL+1)
		}
	case "datepicker":
		if s, ok := e["initial_date"].(string); ok && !dateRe.MatchString(s) {
			v.add("datepicker.initial_date.format", ptr+"/initial_date", "must be in the format YYYY-MM-DD")
		}
	case "timepicker":
		if s, ok := e["initial_time"].(string); ok && !timeRe.MatchString(s) {
			v.add("timepicker.initial_time.format", ptr+"/initial_time", "must be in the format HH:mm")
		}
	}
}

// options checks an options array.
func (v *validator) options(x any, ptr, typ string, minItems, maxItems int, plainOnly bool) {
	arr, ok := x.([]any)
	if !ok {
		v.add(typ+".options.required", ptr, "missing required field: options")
		return
	}
	if len(arr) < minItems {
		v.add(typ+".options.min_items", ptr, "must provide at least %d items", minItems)
	}
	if len(arr) > maxItems {
		v.add(typ+".options.max_items", ptr, "no more than %d items allowed", maxItems)
	}
	for i, o := range arr {
		v.option(o, fmt.Sprintf("%s/%d", ptr, i), plainOnly)
	}
}

// option checks an option object.
func (v *validator) option(x any, ptr string, plainOnly bool) {
	o, ok := x.(map[string]any)
	if !ok {
		v.add("option.object", ptr, "must be an option object")
		return
	}
	v.text(o["text"], ptr+"/text", textSpec{rule: "option.text", max: maxOptionText, plainOnly: plainOnly, required: true})
	if _, has := o["value"]; !has {
		v.add("option.value.required", ptr+"/value", "missing required field: value")
	}
	v.maxLen(o, "value", ptr, "option.value.max_length", maxOptionText)
	v.text(o["description"], ptr+"/description", textSpec{rule: "option.description", max: maxOptionText, plainOnly: plainOnly})
	v.maxLen(o, "url", ptr, "option.url.max_length", maxURL)
}

// initialOptions checks that initial_option(s) are among the options.
func (v *validator) initialOptions(e map[string]any, ptr, typ string) {
	values := map[string]bool{}
	for _, o := range options(e) {
		if s, ok := o["value"].(string); ok {
			values[s] = true
		}
	}
	check := func(x any, p string) {
		o, _ := x.(map[string]any)
		val, _ := o["value"].(string)
		if !values[val] {
			v.add("initial_option.not_in_options", p, "%s initial option %q must exactly match one of the options", typ, val)
		}
	}
	if o, ok := e["initial_option"]; ok {
		check(o, ptr+"/initial_option")
	}
	if arr, ok := e["initial_options"].([]any); ok {
		for i, o := range arr {
			check(o, fmt.Sprintf("%s/initial_options/%d", ptr, i))
		}
	}
}

// normalizeBlocks gives every block a block_id and every interactive
// element an action_id, generating the missing ones as Slack does. It
// modifies blocks in place and returns it.
func normalizeBlocks(blocks []any, gen func() string) []any {
	used := map[string]bool{}
	for _, b := range blocks {
		if bm, ok := b.(map[string]any); ok {
			if id, ok := bm["block_id"].(string); ok {
				used[id] = true
			}
		}
	}
	fresh := func() string {
		for {
			id := gen()
			if !used[id] {
				used[id] = true
				return id
			}
		}
	}
	setAction := func(e any) {
		if em, ok := e.(map[string]any); ok && em["type"] != "image" {
			if _, has := em["action_id"]; !has {
				em["action_id"] = fresh()
			}
		}
	}
	for _, b := range blocks {
		bm, ok := b.(map[string]any)
		if !ok {
			continue
		}
		if _, has := bm["block_id"]; !has {
			bm["block_id"] = fresh()
		}
		switch bm["type"] {
		case "input":
			setAction(bm["element"])
		case "section":
			if acc, ok := bm["accessory"]; ok {
				setAction(acc)
			}
		case "actions":
			els, _ := bm["elements"].([]any)
			for _, e := range els {
				setAction(e)
			}
		}
	}
	return blocks
}

// MrkdwnTexts returns every text in a JSON payload (a message, a view, a
// list of blocks) that Slack reads as mrkdwn, where a raw <!channel> or
// <@U…> would ping someone: the message's own text, and every text object
// not marked plain_text. Input values and private metadata are left out:
// Slack shows them as typed.
func MrkdwnTexts(raw []byte) []string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			if t, ok := x["text"].(string); ok && x["type"] != "plain_text" {
				out = append(out, t)
			}
			for k, c := range x {
				if k != "initial_value" && k != "value" && k != "private_metadata" {
					walk(c)
				}
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	return out
}
