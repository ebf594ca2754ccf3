package managed

// updateMessage says why an update was needed, from the status the
// reconcile began with: only a resource that already matched this
// generation of its spec can have drifted. An event that says "back to the
// spec" for a Device Kiot has just created, or for a spec a person has just
// changed, would tell an operator that someone changed the cloud resource
// behind Kiot's back.
func updateMessage(before Object, fields []string) string {
	observed := before.ManagedStatus().ObservedGeneration
	switch {
	case observed == 0:
		// Never reconciled to a verdict: an adopted resource, or a creation
		// a failed write left unfinished.
		return "Brought the cloud resource to the spec: " + joinDrift(fields)
	case observed != before.GetGeneration():
		return "Applied the changed spec: " + joinDrift(fields)
	default:
		return "Brought the cloud resource back to the spec: " + joinDrift(fields)
	}
}
