// Package slackemu is a test-support Slack emulator.
//
// It serves, on a loopback listener, the parts of Slack that our bot talks
// to: the Web API methods it calls (under [Server.APIURL]), a Socket Mode
// WebSocket endpoint handed out by apps.connections.open, response_url
// endpoints and the file upload endpoint. A bot built on slack-go connects to
// it exactly as it would to Slack:
//
//	emu := slackemu.New(slackemu.Config{Logf: t.Logf})
//	t.Cleanup(emu.Close)
//	api := slack.New(emu.BotToken(),
//		slack.OptionAppLevelToken(emu.AppToken()),
//		slack.OptionAPIURL(emu.APIURL()))
//	client := socketmode.New(api)
//
// Tests then act as Slack users: [Server.SlashCommand],
// [Server.ClickMessageButton], [Server.ClickViewButton], [Server.Submit] and
// friends build the envelopes Slack would send, deliver them over a live
// Socket Mode connection and wait for the bot's ack. [Server.TopView],
// [InitialValues] and [View.Fill] let a test read a modal and fill it in.
//
// The emulator is deliberately strict. It enforces the limits that a real
// workspace enforces (trigger_id expiry and single use, Block Kit limits,
// rate limits with HTTP 429 and Retry-After, the 3-second ack deadline, the
// 20 KB ack size limit, ...) and records every breach in
// [Server.Violations], so that end-to-end tests can fail on bugs a real
// workspace would reveal. Every Web API call is recorded ([Server.Calls];
// posts to response_urls and upload URLs appear with the pseudo-methods
// "response_url" and "upload") and every message the bot caused is kept
// ([Server.Messages]).
//
// Conventions: the DM channel of user "U123" is "D123"; slash commands run
// in that DM channel; the bot user ("U0BOT") and Slackbot ("USLACKBOT",
// is_bot false, as at Slack) are workspace members; Block Kit blocks and
// elements without block_id/action_id get generated ones, as at Slack.
// Channels ([Server.AddChannel], [Server.PutChannel]) are public or
// private, with members: a private channel the bot is not in does not exist
// for it (conversations.info, chat.postMessage: channel_not_found), and a
// public one it is not in takes no posts from it (not_in_channel).
//
// Faults can be injected with [Server.FailNext] (HTTP 5xx with an HTML body)
// and [Server.RateLimitNext] (HTTP 429), and connections can be recycled with
// [Server.RequestDisconnect] and [Server.DropConnections].
//
// The emulator is for tests and manual trials only (see cmd/slackemu and the
// control API under /_emu/); it has no persistence and no security.
package slackemu
