package v1alpha1

// Event reasons: the reasons of the events Kiot records on its resources,
// beside the condition reasons of conditions.go. Alerts and dashboards
// match on them, so they are API like the condition reasons, and
// docs/conditions.md lists them (a test holds the two together).
const (
	// EventCreated: the engine created the cloud resource.
	EventCreated = "Created"
	// EventUpdated: the engine brought the cloud resource to the spec
	// (a changed spec applied, or drift reverted; the message says which).
	EventUpdated = "Updated"
	// EventDeleted: the engine deleted the cloud resource.
	EventDeleted = "Deleted"
	// EventAlreadyGone: a delete found no cloud resource to delete.
	EventAlreadyGone = "AlreadyGone"
	// EventOrphaned: deletionPolicy Orphan left the cloud resource and its
	// Secret in place.
	EventOrphaned = "Orphaned"
	// EventLeftAlone (Warning): a delete that must not remove the cloud
	// resource (not this resource's to delete) left it.
	EventLeftAlone = "LeftAlone"
	// EventPollIntervalClamped (Warning): the poll-interval annotation asked
	// for less than the floor.
	EventPollIntervalClamped = "PollIntervalClamped"
	// EventDevicesCreated: on a Product, the Devices a registration created
	// under it, reported together.
	EventDevicesCreated = "DevicesCreated"
)
