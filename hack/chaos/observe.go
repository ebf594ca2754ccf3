package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/hack/testbed"
)

// cluster is one read of every Kiot object of the namespace.
type cluster struct {
	products []iotv1.Product
	devices  []iotv1.Device
	groups   []iotv1.DeviceGroup
	jobs     []iotv1.DistributeJob
}

func readCluster(ctx context.Context, c client.Client) (*cluster, error) {
	var (
		products iotv1.ProductList
		devices  iotv1.DeviceList
		groups   iotv1.DeviceGroupList
		jobs     iotv1.DistributeJobList
	)
	for _, l := range []client.ObjectList{&products, &devices, &groups, &jobs} {
		if err := c.List(ctx, l, client.InNamespace(namespace)); err != nil {
			return nil, err
		}
	}
	return &cluster{products.Items, devices.Items, groups.Items, jobs.Items}, nil
}

func (c *cluster) total() int {
	return len(c.products) + len(c.devices) + len(c.groups) + len(c.jobs)
}

// notReady names the objects whose Ready condition is not True.
func (c *cluster) notReady() []string {
	var names []string
	add := func(kind, name string, conds []metav1.Condition) {
		if !testbed.IsReady(conds) {
			names = append(names, kind+"/"+name+reason(conds))
		}
	}
	for _, o := range c.products {
		add("product", o.Name, o.Status.Conditions)
	}
	for _, o := range c.devices {
		add("device", o.Name, o.Status.Conditions)
	}
	for _, o := range c.groups {
		add("devicegroup", o.Name, o.Status.Conditions)
	}
	for _, o := range c.jobs {
		add("distributejob", o.Name, o.Status.Conditions)
	}
	slices.Sort(names)
	return names
}

// names lists every object, with its finalizers (what keeps it).
func (c *cluster) names() []string {
	var names []string
	add := func(kind string, o client.Object) {
		names = append(names, fmt.Sprintf("%s/%s%v", kind, o.GetName(), o.GetFinalizers()))
	}
	for i := range c.products {
		add("product", &c.products[i])
	}
	for i := range c.devices {
		add("device", &c.devices[i])
	}
	for i := range c.groups {
		add("devicegroup", &c.groups[i])
	}
	for i := range c.jobs {
		add("distributejob", &c.jobs[i])
	}
	slices.Sort(names)
	return names
}

// waitFor polls the cluster every 500ms until done says so or the
// deadline passes; progress is told every 10s. API errors (a restarting
// API server) are waited out.
func waitFor(ctx context.Context, c client.Client, deadline time.Duration, log func(string, ...any), what string,
	done func(*cluster) (bool, string)) (time.Duration, *cluster, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	var last *cluster
	lastLog := time.Now()
	for {
		cl, err := readCluster(ctx, c)
		if err == nil {
			last = cl
			ok, progress := done(cl)
			if ok {
				return time.Since(start), cl, nil
			}
			if time.Since(lastLog) >= 10*time.Second {
				log("  %s: %s (%s)", what, progress, time.Since(start).Round(time.Second))
				lastLog = time.Now()
			}
		}
		select {
		case <-ctx.Done():
			return time.Since(start), last, fmt.Errorf("%s: not reached within %s", what, deadline)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func allReady(want int) func(*cluster) (bool, string) {
	return func(c *cluster) (bool, string) {
		waiting := c.notReady()
		return c.total() == want && len(waiting) == 0,
			fmt.Sprintf("%d of %d Ready", c.total()-len(waiting), want)
	}
}

func allGone(c *cluster) (bool, string) {
	return c.total() == 0, fmt.Sprintf("%d left", c.total())
}

func shortList(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}

func reason(conds []metav1.Condition) string {
	for _, c := range conds {
		if c.Type == iotv1.ConditionReady && c.Reason != "" {
			return " (" + c.Reason + ")"
		}
	}
	return ""
}
