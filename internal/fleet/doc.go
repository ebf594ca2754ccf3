// Package fleet is the batching layer the Device kind sits on, so that a
// fleet of Devices costs the platform a few calls per product instead of
// several per Device (issue #14).
//
// # Registrar: creating devices
//
// One Registrar per process (a manager Runnable: Start resumes the journal,
// then lets registrations start). The Device's Create calls
//
//	reg := registrar.Register(client, key, deviceName, nickname)
//
// which returns at once, never waiting on the platform:
//
//   - reg.Pending() (Direct, Queued, Checking, Registering): the Device
//     reports a Registering reason and returns without requeue; it is
//     woken later.
//   - PhaseRegistered: reg.IotID and reg.DeviceSecret are the new device's.
//     The Device writes its credentials Secret and its status (IotId) itself,
//     tells the Observer (Invalidate), then calls registrar.Forget.
//   - PhaseExists: the name was taken in the product already; the Device
//     adopts it through the Observer (which also returns the DeviceSecret),
//     then calls Forget.
//   - PhaseRefused: the name or nickname breaks the platform's rules
//     (reg.Reason says which); the Device reports InvalidSpec, calls Forget,
//     and registers again only after its spec changed.
//   - PhaseFailed: the batch met an error retrying cannot cure here (the
//     product is gone, permissions); reported once, the next Register
//     queues the name again.
//
// Key is the caller's: account (or endpoint), instance and ProductKey, with
// the matching client passed along; RegistrarOptions.ClientFor gives the
// client of a journaled key at start-up. RegistrarOptions.Notify(key,
// deviceName) is called when a name reaches a final phase; the controller
// turns it into a reconcile request through a channel source (it must not
// block). Notify is a wake-up, not the result: the reconcile reads the
// result with Register (or Peek).
//
// A name takes the faster documented path. RegisterDevice answers at once
// (30 QPS per account) while a batch takes minutes on the platform (L13434):
// a name goes straight to RegisterDevice (PhaseDirect) while the names
// waiting for it, account-wide, are fewer than it clears while a batched
// name would wait (the linger and one expected batch duration), and to a
// batch otherwise, so a lone Device is one call
// and a fleet's first names register while its batches run. The expected
// duration starts at RegistrarOptions.BatchEstimate (2 minutes) and
// follows the batches observed, from the check to the results (the first
// replaces the guess, each later one moves it halfway); names planned for
// RegisterDevice that it can no longer clear in time move to a batch, ten
// or more at a time (minMove). A
// lost RegisterDevice answer needs no journal: the retry, or the next
// process, meets AlreadyExistedDeviceName and adopts the name.
//
// Batches form per key by a linger (200 ms by default) or at 10,000 names,
// and run side by side (up to 8 per product): names that come while one
// runs form the next.
// Names that break the documented rules are refused at once, without a
// call (iot.NamedDevice.Validate). A check that fails for names the
// platform finds taken marks those PhaseExists and checks the others again;
// a whole-call refusal of names (InvalidFormattedDeviceName) is narrowed
// down by halving the batch until the culprit stands alone.
//
// Crash safety: a batch's ApplyId is recorded in the Journal as soon as
// BatchCheckDeviceNames answers (before the check phase, and so before
// BatchRegisterDeviceWithApplyId), and resolved once the
// results (QueryPageByApplyId, with secrets) are in memory. At start-up each
// journaled ApplyId is resumed from QueryBatchRegisterDeviceStatus:
// CHECK_SUCCESS means it was never registered (it is, once), CREATE or
// CREATE_SUCCESS that it was (only the results are read). Its names belong
// to it, so no name is checked or registered twice. A result lost between
// Resolve and the Device storing it costs nothing: the next Register finds
// the name taken (PhaseExists) and the Device adopts it with its secret.
//
// # Observer: observing devices
//
// One Observer per process. The Device's Observe calls
//
//	obs, found, err := observer.Get(ctx, client, key, deviceName)
//
// answered from a per-product snapshot of QueryDevice (50 a page, NextToken
// past 10,000) younger than MaxAge; one page-through runs at a time per
// product and concurrent callers wait for it. found=false means the platform
// has no such device (deleted behind Kiot's back shows at the next refresh).
// After writing to a device (registration, nickname, enable/disable,
// delete) the Device calls observer.Invalidate(key, deviceName): its next
// Get reads that device afresh with BatchQueryDeviceDetail (100 names a
// call), coalesced with the other invalidated devices of the product: one
// such read runs per product at a time, and one that would not fill a call
// starts at most once per ReadInterval (1 s), so a burst of them does not
// spend the action's whole quota on calls of a few names.
//
// Secrets: QueryDevice returns DeviceSecret for every device (seed 004
// L12201–12205, sample L12371), as do BatchQueryDeviceDetail (L11863–11867)
// and QueryPageByApplyId (L14461–14465); BatchGetDeviceState does not
// (L12853–12905). So an adopted or resynced Device gets its secret from the
// shared snapshot with no call of its own.
package fleet
