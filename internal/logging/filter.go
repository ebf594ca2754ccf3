// Package logging holds the operator's log plumbing.
package logging

import (
	"github.com/go-logr/logr"
)

// dumps are the messages client-go logs at V(8) with whole API request and
// response bodies: for a Secret that is its data, credentials included.
var dumps = map[string]bool{"Request Body": true, "Response Body": true}

// WithoutAPIBodies returns a logger that drops client-go's body dumps, so no
// verbosity setting can put a Secret's data into Kiot's log. Everything else
// passes through unchanged.
func WithoutAPIBodies(l logr.Logger) logr.Logger {
	if sink := l.GetSink(); sink != nil {
		return logr.New(&filterSink{LogSink: sink})
	}
	return l
}

type filterSink struct {
	logr.LogSink
}

func (f *filterSink) Info(level int, msg string, keysAndValues ...any) {
	if dumps[msg] {
		return
	}
	f.LogSink.Info(level, msg, keysAndValues...)
}

func (f *filterSink) WithValues(keysAndValues ...any) logr.LogSink {
	return &filterSink{LogSink: f.LogSink.WithValues(keysAndValues...)}
}

func (f *filterSink) WithName(name string) logr.LogSink {
	return &filterSink{LogSink: f.LogSink.WithName(name)}
}

// WithCallDepth keeps caller reporting right through the wrapper.
func (f *filterSink) WithCallDepth(depth int) logr.LogSink {
	if d, ok := f.LogSink.(logr.CallDepthLogSink); ok {
		return &filterSink{LogSink: d.WithCallDepth(depth + 1)}
	}
	return f
}
