package review

import "testing"

// TestQuestionText: the same key can be asked at both stages (both ask
// about expectations), and each stage shows its own question.
func TestQuestionText(t *testing.T) {
	tests := []struct {
		stage Stage
		key   string
		want  string
	}{
		{StageFirstCheckIn, "met", "Did you and your manager meet to start this year's program?"},
		{StageFirstCheckIn, "expectations", "Did your manager set your expectations at this first check-in?"},
		{StageWrapUp, "expectations", "Did you set expectations with your employee in your check-ins?"},
		{StageWrapUp, "feedback", "Did you give your employee feedback in your check-ins?"},
		{StageWrapUp, "met", "met"}, // a key the stage does not ask is shown as it is
		{StageFirstCheckIn, "retired_question", "retired_question"},
	}
	for _, tt := range tests {
		if got := QuestionText(tt.stage, tt.key); got != tt.want {
			t.Errorf("QuestionText(%s, %s) = %q, want %q", tt.stage, tt.key, got, tt.want)
		}
	}
}
