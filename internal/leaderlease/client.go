package leaderlease

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// NewClient is a controller-runtime NewClientFunc: the manager's usual
// client, whose writes the Guard admits. A replica that may have lost its
// Lease then writes no status, finalizer, Secret or journal entry over the
// new leader's: a stale status patch (sent without a precondition) would
// otherwise undo the new leader's, and a status-only change wakes no
// reconcile. Reads are untouched; so is the LeaderElector, which has its
// own client.
func (g *Guard) NewClient(config *rest.Config, options client.Options) (client.Client, error) {
	c, err := client.New(config, options)
	if err != nil {
		return nil, err
	}
	return g.Client(c), nil
}

// Client wraps c so that its writes wait for the Guard's admission.
func (g *Guard) Client(c client.Client) client.Client {
	return &guardedClient{Client: c, guard: g}
}

type guardedClient struct {
	client.Client
	guard *Guard
}

// admit bounds ctx by the Guard's window, or says why nothing may be sent.
func admit(ctx context.Context, g *Guard) (context.Context, context.CancelFunc, error) {
	window, err := g.Window()
	if err != nil {
		return ctx, func() {}, err
	}
	ctx, cancel := context.WithTimeout(ctx, window)
	return ctx, cancel, nil
}

func guarded(ctx context.Context, g *Guard, write func(context.Context) error) error {
	ctx, cancel, err := admit(ctx, g)
	defer cancel()
	if err != nil {
		return err
	}
	return write(ctx)
}

func (c *guardedClient) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	return guarded(ctx, c.guard, func(ctx context.Context) error { return c.Client.Create(ctx, obj, opts...) })
}

func (c *guardedClient) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	return guarded(ctx, c.guard, func(ctx context.Context) error { return c.Client.Update(ctx, obj, opts...) })
}

func (c *guardedClient) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	return guarded(ctx, c.guard, func(ctx context.Context) error { return c.Client.Patch(ctx, obj, patch, opts...) })
}

func (c *guardedClient) Apply(ctx context.Context, obj runtime.ApplyConfiguration, opts ...client.ApplyOption) error {
	return guarded(ctx, c.guard, func(ctx context.Context) error { return c.Client.Apply(ctx, obj, opts...) })
}

func (c *guardedClient) Delete(ctx context.Context, obj client.Object, opts ...client.DeleteOption) error {
	return guarded(ctx, c.guard, func(ctx context.Context) error { return c.Client.Delete(ctx, obj, opts...) })
}

func (c *guardedClient) DeleteAllOf(ctx context.Context, obj client.Object, opts ...client.DeleteAllOfOption) error {
	return guarded(ctx, c.guard, func(ctx context.Context) error { return c.Client.DeleteAllOf(ctx, obj, opts...) })
}

func (c *guardedClient) Status() client.SubResourceWriter {
	return &guardedSubResource{SubResourceClient: c.Client.SubResource("status"), guard: c.guard}
}

func (c *guardedClient) SubResource(name string) client.SubResourceClient {
	return &guardedSubResource{SubResourceClient: c.Client.SubResource(name), guard: c.guard}
}

type guardedSubResource struct {
	client.SubResourceClient
	guard *Guard
}

func (s *guardedSubResource) Create(ctx context.Context, obj, sub client.Object, opts ...client.SubResourceCreateOption) error {
	return guarded(ctx, s.guard, func(ctx context.Context) error { return s.SubResourceClient.Create(ctx, obj, sub, opts...) })
}

func (s *guardedSubResource) Update(ctx context.Context, obj client.Object, opts ...client.SubResourceUpdateOption) error {
	return guarded(ctx, s.guard, func(ctx context.Context) error { return s.SubResourceClient.Update(ctx, obj, opts...) })
}

func (s *guardedSubResource) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	return guarded(ctx, s.guard, func(ctx context.Context) error { return s.SubResourceClient.Patch(ctx, obj, patch, opts...) })
}

func (s *guardedSubResource) Apply(ctx context.Context, obj runtime.ApplyConfiguration, opts ...client.SubResourceApplyOption) error {
	return guarded(ctx, s.guard, func(ctx context.Context) error { return s.SubResourceClient.Apply(ctx, obj, opts...) })
}
