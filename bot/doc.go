// Package bot owns the connection to Slack: the Socket Mode client, or the
// request URLs Slack posts to in http mode (each request's signature
// checked), the Web API seam the rest of the application calls through
// (rate limited per Slack's method tiers), and the dispatch of slash
// commands, interactions and events to handlers. It acks every envelope at
// once, or within a small budget when the ack itself carries the answer,
// runs handlers off the event loop, recovers their panics and apologises to
// the user.
package bot
