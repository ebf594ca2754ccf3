package main

import (
	"context"

	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// eventsByReason counts the fleet namespace's events by reason, each
// series counted as often as it happened: an `Updated` for a Device Kiot
// has just created would tell an operator someone changed it behind Kiot's
// back.
func (b *bench) eventsByReason(ctx context.Context) (map[string]int64, error) {
	var list eventsv1.EventList
	if err := b.client.List(ctx, &list, client.InNamespace(namespace)); err != nil {
		return nil, err
	}
	counts := map[string]int64{}
	for _, e := range list.Items {
		n := int64(1)
		if e.Series != nil && e.Series.Count > 1 {
			n = int64(e.Series.Count)
		}
		counts[e.Reason] += n
	}
	return counts, nil
}
