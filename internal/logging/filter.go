// Package logging holds the operator's log plumbing.
package logging

import (
	"slices"

	"github.com/go-logr/logr"
)

// dumps are the messages client-go logs at V(8) with whole API request and
// response bodies: for a Secret that is its data, credentials included.
var dumps = map[string]bool{"Request Body": true, "Response Body": true}

// WithoutAPIBodies returns a logger that drops client-go's body dumps, so no
// verbosity setting can put a Secret's data into Kiot's log. Everything else
// passes through unchanged.
//
// It also hands key/value pairs to the sink only when a line is written.
// controller-runtime gives every reconcile a logger with its controller,
// object and reconcile ID, and zap encodes such values at once, into a copy
// of its encoder: for a fleet's reconciles, which log nothing on the happy
// path, that was a seventh of the operator's CPU.
func WithoutAPIBodies(l logr.Logger) logr.Logger {
	if sink := l.GetSink(); sink != nil {
		return logr.New(&filterSink{LogSink: sink})
	}
	return l
}

type filterSink struct {
	logr.LogSink
	// values are the pairs of WithValues not yet given to LogSink.
	values []any
}

// sink is LogSink with the pending values.
func (f *filterSink) sink() logr.LogSink {
	if len(f.values) == 0 {
		return f.LogSink
	}
	return f.LogSink.WithValues(f.values...)
}

func (f *filterSink) Info(level int, msg string, keysAndValues ...any) {
	if dumps[msg] {
		return
	}
	f.sink().Info(level, msg, keysAndValues...)
}

func (f *filterSink) Error(err error, msg string, keysAndValues ...any) {
	f.sink().Error(err, msg, keysAndValues...)
}

func (f *filterSink) WithValues(keysAndValues ...any) logr.LogSink {
	return &filterSink{LogSink: f.LogSink, values: append(slices.Clip(f.values), keysAndValues...)}
}

func (f *filterSink) WithName(name string) logr.LogSink {
	return &filterSink{LogSink: f.LogSink.WithName(name), values: f.values}
}

// WithCallDepth keeps caller reporting right through the wrapper.
func (f *filterSink) WithCallDepth(depth int) logr.LogSink {
	if d, ok := f.LogSink.(logr.CallDepthLogSink); ok {
		return &filterSink{LogSink: d.WithCallDepth(depth + 1), values: f.values}
	}
	return f
}
