package device

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/managed"
)

// CreatedEventsWindow is how long the Devices a batch registration created
// are gathered before their Product's event is written.
const CreatedEventsWindow = 5 * time.Second

// createdEventNames is how many device names an event lists.
const createdEventNames = 5

// CreatedEvents reports the Devices that registrations (batches and
// RegisterDevice calls of the Registrar) created as one
// event on their Product per window, where each Device would otherwise
// record its own Created event: a fleet of 10,000 Devices would write
// 10,000 events, a quarter of its rollout's writes, to say what every
// Device's Ready condition says as well. A Device created on its own still
// records its Created event (the engine's).
//
// Events are best effort: what is gathered when the operator stops is not
// written.
type CreatedEvents struct {
	recorder events.EventRecorder
	clock    clock.WithDelayedExecution
	window   time.Duration

	mu      sync.Mutex
	pending map[client.ObjectKey]*createdBatch
}

// createdBatch is what one Product's window gathered.
type createdBatch struct {
	product  *iotv1.Product
	applyIDs []int64
	names    []string
	count    int
	// direct counts the devices RegisterDevice created (ApplyId 0).
	direct int
}

// NewCreatedEvents returns a CreatedEvents writing through recorder.
func NewCreatedEvents(recorder events.EventRecorder, c clock.WithDelayedExecution, window time.Duration) *CreatedEvents {
	return &CreatedEvents{recorder: recorder, clock: c, window: window, pending: map[client.ObjectKey]*createdBatch{}}
}

// Add reports that the batch applyID (0: RegisterDevice) created
// deviceName for a Device of product's namespace. The first Add of a window starts it and keeps
// product, which the caller must not change afterwards.
func (c *CreatedEvents) Add(product *iotv1.Product, applyID int64, deviceName string) {
	key := client.ObjectKeyFromObject(product)
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.pending[key]
	if !ok {
		b = &createdBatch{product: product}
		c.pending[key] = b
		c.clock.AfterFunc(c.window, func() { c.flush(key) })
	}
	switch {
	case applyID == 0:
		b.direct++
	case !slices.Contains(b.applyIDs, applyID):
		b.applyIDs = append(b.applyIDs, applyID)
	}
	if len(b.names) < createdEventNames {
		b.names = append(b.names, deviceName)
	}
	b.count++
}

// flush writes the event of one Product's window.
func (c *CreatedEvents) flush(key client.ObjectKey) {
	c.mu.Lock()
	b := c.pending[key]
	delete(c.pending, key)
	c.mu.Unlock()
	if b == nil {
		return
	}
	c.recorder.Eventf(b.product, nil, corev1.EventTypeNormal, iotv1.EventDevicesCreated, "Create", "%s",
		managed.BoundMessage(b.note()))
}

// note says how many devices were created, by which batches, and names a
// few of them.
func (b *createdBatch) note() string {
	ids := make([]string, len(b.applyIDs))
	for i, id := range b.applyIDs {
		ids[i] = fmt.Sprint(id)
	}
	noun := "devices"
	if b.count == 1 {
		noun = "device"
	}
	batched := fmt.Sprintf("by batch registration (ApplyId %s)", strings.Join(ids, ", "))
	how := batched
	switch {
	case b.direct == b.count:
		how = "by RegisterDevice"
	case b.direct > 0:
		how = fmt.Sprintf("(%d by RegisterDevice, %d %s)", b.direct, b.count-b.direct, batched)
	}
	note := fmt.Sprintf("Created %d %s of product %s %s: %s",
		b.count, noun, b.product.Status.ProductKey, how, strings.Join(b.names, ", "))
	if more := b.count - len(b.names); more > 0 {
		note += fmt.Sprintf(" and %d more", more)
	}
	return note
}
