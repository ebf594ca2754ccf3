package controllers

import (
	"context"
	"strings"

	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
)

// managedEvents lists the events.k8s.io events regarding one object.
func managedEvents(g Gomega, kind, name string) []eventsv1.Event {
	var list eventsv1.EventList
	g.Expect(k8sClient.List(context.Background(), &list)).To(Succeed())
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Regarding.Name == name && e.Regarding.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func countReason(events []eventsv1.Event, reason string) int {
	n := 0
	for _, e := range events {
		if e.Reason == reason {
			n++
		}
	}
	return n
}

// updatedNotes joins the notes of an object's "Updated" events.
func updatedNotes(g Gomega, kind, name string) string {
	var notes []string
	for _, e := range managedEvents(g, kind, name) {
		if e.Reason == "Updated" {
			notes = append(notes, e.Note)
		}
	}
	return strings.Join(notes, "\n")
}
