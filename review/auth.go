package review

// Action is something an actor may try to do to a person's review.
type Action string

// The actions the program knows.
const (
	SetExpectations Action = "set expectations" // manager writes the employee's expectations
	EditGoals       Action = "edit goals"       // employee writes their own goals
	ViewYear        Action = "view year"        // see a person's expectations, goals and progress
	LogCheckIn      Action = "log check-in"     // manager logs (or edits) a check-in held with the employee
	SetCadence      Action = "set cadence"      // manager records a change of the agreed cadence
	ConfirmCheckIn  Action = "confirm check-in" // employee confirms a check-in and answers its questions
	ViewTeam        Action = "view team"        // see the status of a manager's direct reports
	EditPlan        Action = "edit plan"        // employee writes their development plan, and asks for a development check-in
	Reflect         Action = "reflect"          // employee writes their wrap-up reflection
	Rate            Action = "rate"             // manager writes the wrap-up: answers, comments, rating
	// HoldConversation records the final conversation about a released
	// rating. Who may is the rater (CanHoldConversation, which needs the
	// wrap-up); Can only checks that the actor is on the roster.
	HoldConversation Action = "hold conversation"
	// Acknowledge is the employee's say about their released review: that
	// they have seen it, and a written response.
	Acknowledge Action = "acknowledge review"
	// AppealRating is the employee's appeal of a low rating to central HR.
	AppealRating Action = "appeal rating"
	// KeepPlan is the manager's part of an improvement plan: starting it
	// and recording its re-evaluation.
	KeepPlan Action = "keep improvement plan"
)

// NotOnRoster is the refusal for Slack users the roster does not know.
var NotOnRoster = &Error{Code: EFORBIDDEN, Message: "You're not part of the MassPerform program yet. If you think you should be, ask HR to add you to the roster."}

// Can decides whether actor may do act to target's review. It returns nil,
// or an EFORBIDDEN *Error whose message tells the actor why, in words they
// can act on. Handlers call it when a surface opens and again when it is
// submitted, with the target reloaded from storage.
func Can(actor Actor, act Action, target Person) error {
	if !actor.OnRoster() && !actor.HR {
		return NotOnRoster
	}
	if !target.Active {
		return Errorf(EFORBIDDEN, "%s is no longer in the program, so their review is closed.", target.Name)
	}
	me := actor.Person
	isSelf := me != nil && me.Active && me.ID == target.ID
	isManager := me != nil && me.Active && target.ManagerID != 0 && target.ManagerID == me.ID

	switch act {
	case SetExpectations:
		if isManager {
			return nil
		}
		if isSelf {
			return Errorf(EFORBIDDEN, "Expectations are set by your manager. You write the goals that meet them: try /perform goals.")
		}
		return Errorf(EFORBIDDEN, "Only %s's current manager can set their expectations.", target.Name)
	case EditGoals:
		if isSelf {
			return nil
		}
		return Errorf(EFORBIDDEN, "Goals are written by the employee. Only %s can change their goals.", target.Name)
	case LogCheckIn, SetCadence:
		if isManager {
			return nil
		}
		if isSelf {
			return Errorf(EFORBIDDEN, "Check-ins are logged by your manager; you confirm them when they do.")
		}
		return Errorf(EFORBIDDEN, "Only %s's current manager can log their check-ins or change their cadence.", target.Name)
	case ConfirmCheckIn:
		if isSelf {
			return nil
		}
		return Errorf(EFORBIDDEN, "Only %s can confirm their own check-ins.", target.Name)
	case EditPlan:
		if isSelf {
			return nil
		}
		return Errorf(EFORBIDDEN, "A development plan is written by the employee. Only %s can change theirs.", target.Name)
	case Reflect:
		if isSelf {
			return nil
		}
		return Errorf(EFORBIDDEN, "The reflection is the employee's own. Only %s can write theirs.", target.Name)
	case Rate:
		if isManager {
			return nil
		}
		if isSelf {
			return Errorf(EFORBIDDEN, "Your manager writes your wrap-up and rating. Yours is the reflection: try /perform wrapup.")
		}
		return Errorf(EFORBIDDEN, "Only %s's current manager can write their wrap-up.", target.Name)
	case Acknowledge:
		if isSelf {
			return nil
		}
		return Errorf(EFORBIDDEN, "Only %s can acknowledge their own review or respond to it.", target.Name)
	case KeepPlan:
		if isManager {
			return nil
		}
		return Errorf(EFORBIDDEN, "Only %s's current manager keeps their improvement plan.", target.Name)
	case AppealRating:
		if isSelf {
			return nil
		}
		return Errorf(EFORBIDDEN, "Only %s can appeal their own rating.", target.Name)
	case HoldConversation:
		if me != nil && me.Active {
			return nil
		}
		return NotOnRoster
	case ViewTeam:
		// target is the manager whose team it is: themselves, their own
		// manager (skip-level) and HR may look.
		if isSelf || isManager || actor.HRFor(target.Unit) {
			return nil
		}
		return Errorf(EFORBIDDEN, "You can see your own team, and the teams of managers who report to you; %s's team is not one of them.", target.Name)
	case ViewYear:
		if isSelf || isManager || actor.HRFor(target.Unit) {
			return nil
		}
		return Errorf(EFORBIDDEN, "You can see your own review and those of your direct reports, not %s's.", target.Name)
	}
	return Errorf(EFORBIDDEN, "That isn't something you can do here.")
}

// CanProposeMerit decides whether actor may propose employee's merit
// increase: their manager now.
func CanProposeMerit(actor Actor, employee Person) error {
	me := actor.Person
	if !actor.OnRoster() {
		return NotOnRoster
	}
	if !employee.Active {
		return Errorf(EFORBIDDEN, "%s is no longer in the program.", employee.Name)
	}
	if employee.ManagerID == 0 || employee.ManagerID != me.ID {
		return Errorf(EFORBIDDEN, "Only %s's manager proposes their merit increase.", employee.Name)
	}
	return nil
}
