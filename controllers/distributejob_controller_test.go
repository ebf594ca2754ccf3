package controllers

import (
	"context"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/device"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/iotsim"
)

// Singapore's public instance: where the suite's jobs send devices.
const (
	singaporeInstance = "iotx-oxssharez400"
	singaporeRegion   = "ap-southeast-1"
)

// newDistributeJob distributes the devices of Product productRef to
// Singapore, on the simulator's own account.
func newDistributeJob(namespace, productRef string, devices ...string) *iotv1.DistributeJob {
	return &iotv1.DistributeJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: unique("to-singapore-")},
		Spec: iotv1.DistributeJobSpec{
			ProductRef: &iotv1.LocalReference{Name: productRef},
			Devices:    devices,
			Targets:    []iotv1.DistributeTarget{{Region: singaporeRegion}},
			TargetUID:  iotsim.DefaultUID,
		},
	}
}

func byName(devices ...*iotv1.Device) []string {
	out := make([]string, len(devices))
	for i, d := range devices {
		out[i] = d.Name
	}
	return out
}

// jobNamespace makes a namespace of its own for one spec.
func jobNamespace() string {
	GinkgoHelper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: unique("jobs-")}}
	Expect(k8sClient.Create(context.Background(), ns)).To(Succeed())
	return ns.Name
}

// fleetProductKey is the ProductKey of a Ready Product resource.
func fleetProductKey(p *iotv1.Product) string {
	GinkgoHelper()
	Expect(k8sClient.Get(context.Background(), client.ObjectKeyFromObject(p), p)).To(Succeed())
	Expect(p.Status.ProductKey).NotTo(BeEmpty())
	return p.Status.ProductKey
}

// simJobsOf returns the simulator's distribution jobs of a product.
func simJobsOf(productKey string) []iotsim.Job {
	var out []iotsim.Job
	for _, j := range sim.Snapshot().Jobs {
		if j.ProductKey == productKey {
			out = append(out, j)
		}
	}
	return out
}

// simDeviceIn reports whether the simulator has the device in an instance.
func simDeviceIn(instanceID, productKey, deviceName string) bool {
	for _, d := range sim.Snapshot().Devices {
		if d.InstanceID == instanceID && d.ProductKey == productKey && d.DeviceName == deviceName {
			return true
		}
	}
	return false
}

// waitPhase waits for the job's phase and returns its Ready condition.
func waitPhase(j *iotv1.DistributeJob, phase iotv1.DistributeJobPhase) metav1.Condition {
	GinkgoHelper()
	var ready metav1.Condition
	Eventually(func(g Gomega) {
		ready = conditionOf(g, j, iotv1.ConditionReady)
		g.Expect(j.Status.Phase).To(Equal(phase), "Ready: %+v", ready)
	}).Should(Succeed())
	return ready
}

func resultOf(j *iotv1.DistributeJob, deviceName string) iotv1.DeviceDistributeResult {
	for _, r := range j.Status.Results {
		if r.DeviceName == deviceName {
			return r
		}
	}
	return iotv1.DeviceDistributeResult{}
}

// retryFailed sets the retry-failed annotation to token.
func retryFailed(j *iotv1.DistributeJob, token string) {
	GinkgoHelper()
	update(j, func() {
		if j.Annotations == nil {
			j.Annotations = map[string]string{}
		}
		j.Annotations[iotv1.AnnotationRetryFailed] = token
	})
}

// setFaults injects faults for the rest of one spec.
func setFaults(f iotsim.Faults) {
	sim.SetFaults(f)
	DeferCleanup(func() { sim.SetFaults(iotsim.Faults{}) })
}

func totalThrottled() int64 {
	var n int64
	for _, c := range sim.Snapshot().Throttled {
		n += c
	}
	return n
}

var _ = Describe("DistributeJob", func() {
	ctx := context.Background()

	It("distributes the selected devices, reports each one and shows where each Device now lives", func() {
		ns := jobNamespace()
		fleet := map[string]string{"fleet": "harbour"}
		p, devices := labelledFleet(ns, 3, fleet)
		pk := fleetProductKey(p)
		j := newDistributeJob(ns, p.Name)
		j.Spec.DeviceSelector = &metav1.LabelSelector{MatchLabels: fleet}
		Expect(k8sClient.Create(ctx, j)).To(Succeed())

		waitReady(j)
		Expect(j.Status.Phase).To(Equal(iotv1.PhaseCompleted))
		Expect(conditionOf(Default, j, iotv1.ConditionReady).Reason).To(Equal(iotv1.ReasonDistributed))
		Expect(j.Status.Total).To(BeEquivalentTo(3))
		Expect(j.Status.Succeeded).To(BeEquivalentTo(3))
		Expect(j.Status.Failed).To(BeZero())
		Expect(j.Status.ProductKey).To(Equal(pk))
		Expect(j.Status.SourceInstanceID).To(Equal("iotx-oxssharez200"), "the ProviderConfig's region's public instance")
		Expect(j.Status.Jobs).To(HaveLen(1))
		Expect(j.Status.JobID).To(Equal(j.Status.Jobs[0].JobID))
		Expect(j.Status.Jobs[0].Confirmed).To(BeTrue())
		Expect(j.Status.Results).To(HaveLen(3))
		for _, d := range devices {
			Expect(resultOf(j, d.Name)).To(Equal(iotv1.DeviceDistributeResult{DeviceName: d.Name, Code: "200", Message: "success", JobID: j.Status.JobID}))
			Expect(simDeviceIn(singaporeInstance, pk, d.Name)).To(BeTrue(), "the platform copied %s to Singapore", d.Name)
		}
		Expect(simJobsOf(pk)).To(HaveLen(1), "exactly one cloud job")

		By("each Device's status and Secret say where it now connects")
		for _, d := range devices {
			expectMovedToSingapore(d, j, pk)
			Expect(conditionOf(Default, d, iotv1.ConditionReady).Status).To(Equal(metav1.ConditionTrue),
				"the Device controller keeps its own status beside the location")
		}

		By("only the Device controller writes a Device's status")
		for _, d := range devices {
			Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(d), d)).To(Succeed())
			var statusManagers []string
			for _, f := range d.ManagedFields {
				if f.Subresource == "status" {
					statusManagers = append(statusManagers, f.Manager)
				}
			}
			Expect(statusManagers).To(ConsistOf(FieldManager("Device")), "managers of %s's status", d.Name)
		}

		By("the device set was resolved once: a Device labelled later is not added")
		late := newDevice(unique("late-"), p.Name)
		late.Namespace, late.Labels = ns, fleet
		Expect(k8sClient.Create(ctx, late)).To(Succeed())
		readyDevice(late)
		update(j, func() { j.Annotations = map[string]string{iotv1.AnnotationReconcileRequestedAt: "after-late"} })
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(j), j)).To(Succeed())
			g.Expect(j.Status.LastHandledReconcileAt).To(Equal("after-late"))
		}).Should(Succeed())
		Expect(j.Status.DeviceLedger.Devices).To(BeEquivalentTo(3))
		Expect(j.Status.Total).To(BeEquivalentTo(3))
		Expect(simJobsOf(pk)).To(HaveLen(1))

		By("deleting the resource deletes the platform's record of the job")
		Expect(k8sClient.Delete(ctx, j)).To(Succeed())
		Eventually(func() bool { return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(j), j)) }).Should(BeTrue())
		Expect(simJobsOf(pk)).To(BeEmpty())
		Expect(simDeviceIn(singaporeInstance, pk, devices[0].Name)).To(BeTrue(), "what a job distributed stays distributed")
	})

	It("names the devices that failed, and retries just those when asked", func() {
		ns := jobNamespace()
		p, devices := labelledFleet(ns, 1, nil)
		pk := fleetProductKey(p)
		const missing = "arrives-later-1"
		j := newDistributeJob(ns, p.Name, byName(devices...)...)
		j.Spec.DeviceNames = []string{missing}
		Expect(k8sClient.Create(ctx, j)).To(Succeed())

		ready := waitPhase(j, iotv1.PhaseCompleted)
		Expect(ready.Status).To(Equal(metav1.ConditionFalse))
		Expect(ready.Reason).To(Equal(iotv1.ReasonDevicesFailed))
		Expect(ready.Message).To(ContainSubstring(missing))
		Expect(ready.Message).To(ContainSubstring(iotv1.AnnotationRetryFailed))
		Expect(j.Status.Succeeded).To(BeEquivalentTo(1))
		Expect(j.Status.Failed).To(BeEquivalentTo(1))
		Expect(j.Status.FailedDevices).To(Equal([]string{missing}))
		Expect(resultOf(j, missing).Code).To(Equal("404"), "the platform's own code")
		Expect(j.Status.Results[0].DeviceName).To(Equal(missing), "failures come first")

		By("the device is registered, and a retry distributes it alone")
		_, err := cloud.RegisterDevice(ctx, iot.RegisterDeviceInput{ProductKey: pk, DeviceName: missing})
		Expect(err).NotTo(HaveOccurred())
		retryFailed(j, "1")
		waitReady(j)
		Expect(j.Status.Jobs).To(HaveLen(2))
		retry := j.Status.Jobs[1]
		Expect(retry.RetryToken).To(Equal("1"))
		Expect(retry.Total).To(BeEquivalentTo(1))
		Expect(retry.Succeeded).To(BeEquivalentTo(1))
		Expect(j.Status.RetryToken).To(Equal("1"))
		Expect(j.Status.JobID).To(Equal(j.Status.Jobs[0].JobID), "jobId stays the first job's")
		Expect(j.Status.Succeeded).To(BeEquivalentTo(2))
		Expect(j.Status.Failed).To(BeZero())
		Expect(j.Status.FailedDevices).To(BeEmpty())
		Expect(resultOf(j, missing)).To(Equal(iotv1.DeviceDistributeResult{DeviceName: missing, Code: "200", Message: "success", JobID: retry.JobID}))
		Expect(resultOf(j, devices[0].Name).JobID).To(Equal(j.Status.Jobs[0].JobID))
		jobs := simJobsOf(pk)
		Expect(jobs).To(HaveLen(2))
		Expect(jobs[1].DeviceNames).To(Equal([]string{missing}), "the retry names the failed device only")
		Expect(simDeviceIn(singaporeInstance, pk, missing)).To(BeTrue())

		By("the same annotation value is acted on once")
		update(j, func() { j.Annotations[iotv1.AnnotationReconcileRequestedAt] = "again" })
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(j), j)).To(Succeed())
			g.Expect(j.Status.LastHandledReconcileAt).To(Equal("again"))
		}).Should(Succeed())
		Expect(simJobsOf(pk)).To(HaveLen(2))
	})

	It("reports an interrupted job (status 3) and starts it again when asked", func() {
		ns := jobNamespace()
		p, devices := labelledFleet(ns, 2, nil)
		pk := fleetProductKey(p)
		setFaults(iotsim.Faults{InterruptJobs: true})
		j := newDistributeJob(ns, p.Name, byName(devices...)...)
		Expect(k8sClient.Create(ctx, j)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(j), j)).To(Succeed())
			g.Expect(j.Status.JobID).NotTo(BeEmpty())
		}).Should(Succeed())
		sim.SetFaults(iotsim.Faults{})

		ready := waitPhase(j, iotv1.PhaseInterrupted)
		Expect(ready.Status).To(Equal(metav1.ConditionFalse))
		Expect(ready.Reason).To(Equal(iotv1.ReasonJobInterrupted))
		Expect(ready.Message).To(ContainSubstring(j.Status.JobID))
		Expect(j.Status.Failed).To(BeEquivalentTo(2))
		Expect(j.Status.FailedDevices).To(ConsistOf(devices[0].Name, devices[1].Name))
		Expect(simDeviceIn(singaporeInstance, pk, devices[0].Name)).To(BeFalse())

		retryFailed(j, "after-interruption")
		waitReady(j)
		Expect(j.Status.Phase).To(Equal(iotv1.PhaseCompleted))
		Expect(j.Status.Jobs).To(HaveLen(2))
		Expect(j.Status.Succeeded).To(BeEquivalentTo(2))
		Expect(simDeviceIn(singaporeInstance, pk, devices[1].Name)).To(BeTrue())
	})

	It("asks for a fresh result URL when the one it got has expired", func() {
		ns := jobNamespace()
		p, devices := labelledFleet(ns, 1, nil)
		setFaults(iotsim.Faults{ExpiredResultFiles: 1})
		before := sim.Calls("QueryDeviceDistributeDetail")
		j := newDistributeJob(ns, p.Name, byName(devices...)...)
		Expect(k8sClient.Create(ctx, j)).To(Succeed())
		waitReady(j)
		Expect(resultOf(j, devices[0].Name).Code).To(Equal("200"))
		Expect(sim.Calls("QueryDeviceDistributeDetail")-before).To(BeEquivalentTo(2), "one expired URL, one fresh")
		Expect(sim.Faults().ExpiredResultFiles).To(BeZero(), "the expired file was handed out")
	})

	It("queues jobs beyond the account's 10 as QuotaExceeded and polls the running ones without a throttled call", func() {
		ns := jobNamespace()
		p, devices := labelledFleet(ns, 12, nil)
		pk := fleetProductKey(p)
		setFaults(iotsim.Faults{HoldJobs: true})
		throttledBefore, pollsBefore := totalThrottled(), sim.Calls("QueryDeviceDistributeJob")
		jobs := make([]*iotv1.DistributeJob, len(devices))
		for i, d := range devices {
			jobs[i] = newDistributeJob(ns, p.Name, byName(d)...)
			Expect(k8sClient.Create(ctx, jobs[i])).To(Succeed())
		}

		By("ten run, two wait for a slot")
		Eventually(func(g Gomega) {
			running, waiting := 0, 0
			for _, j := range jobs {
				ready := conditionOf(g, j, iotv1.ConditionReady)
				switch {
				case j.Status.JobID != "":
					running++
				case ready.Reason == iotv1.ReasonQuotaExceeded && j.Status.Phase == iotv1.PhasePending:
					waiting++
					g.Expect(ready.Message).To(ContainSubstring("10 distribution jobs"))
				}
			}
			g.Expect(running).To(Equal(10))
			g.Expect(waiting).To(Equal(2))
		}).Should(Succeed())
		Expect(simJobsOf(pk)).To(HaveLen(10))

		By("ten jobs polling at once stay within QueryDeviceDistributeJob's 10 QPS")
		pollStart, pollsAtStart := time.Now(), sim.Calls("QueryDeviceDistributeJob")
		Eventually(func() int64 { return sim.Calls("QueryDeviceDistributeJob") - pollsBefore }).Should(BeNumerically(">=", 40))
		polls, elapsed := sim.Calls("QueryDeviceDistributeJob")-pollsAtStart, time.Since(pollStart)
		AddReportEntry("QueryDeviceDistributeJob with 10 jobs polling", fmt.Sprintf("%d calls in %s = %.1f/s, throttled %d",
			polls, elapsed.Round(time.Millisecond), float64(polls)/elapsed.Seconds(), sim.Throttled("QueryDeviceDistributeJob")))

		By("as slots free, the waiting jobs start, and every job completes")
		sim.SetFaults(iotsim.Faults{})
		for _, j := range jobs {
			waitReady(j)
			Expect(j.Status.Phase).To(Equal(iotv1.PhaseCompleted))
		}
		Expect(simJobsOf(pk)).To(HaveLen(12))
		Expect(totalThrottled()-throttledBefore).To(BeZero(), "throttled calls per action: %v", sim.Snapshot().Throttled)
	})

	It("waits while a device is in another unfinished job, and a delete waits for a running job", func() {
		ns := jobNamespace()
		p, devices := labelledFleet(ns, 1, nil)
		pk := fleetProductKey(p)
		setFaults(iotsim.Faults{HoldJobs: true})
		first := newDistributeJob(ns, p.Name, byName(devices...)...)
		Expect(k8sClient.Create(ctx, first)).To(Succeed())
		waitPhase(first, iotv1.PhaseRunning)
		second := newDistributeJob(ns, p.Name, byName(devices...)...)
		Expect(k8sClient.Create(ctx, second)).To(Succeed())
		Eventually(func(g Gomega) {
			ready := conditionOf(g, second, iotv1.ConditionReady)
			g.Expect(ready.Reason).To(Equal("DeviceIsInAnotherTask"))
			g.Expect(ready.Message).To(ContainSubstring(first.Status.JobID))
		}).Should(Succeed())

		By("deleting the running job waits for it")
		Expect(k8sClient.Delete(ctx, first)).To(Succeed())
		Eventually(func(g Gomega) {
			ready := conditionOf(g, first, iotv1.ConditionReady)
			g.Expect(ready.Reason).To(Equal(iotv1.ReasonJobRunning))
			g.Expect(ready.Message).To(ContainSubstring("TaskNotFinish"))
		}).Should(Succeed())
		Expect(simJobsOf(pk)).To(HaveLen(1))

		sim.SetFaults(iotsim.Faults{})
		Eventually(func() bool { return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(first), first)) }).Should(BeTrue())
		waitReady(second)
		jobs := simJobsOf(pk)
		Expect(jobs).To(HaveLen(1), "the first job's record is deleted; the second's remains")
		Expect(jobs[0].JobID).To(Equal(second.Status.JobID))
	})

	It("finds the job it made when the create's answer was lost, instead of making a second", func() {
		ns := jobNamespace()
		p, devices := labelledFleet(ns, 2, nil)
		pk := fleetProductKey(p)
		setFaults(iotsim.Faults{Actions: map[string]iotsim.ActionFault{
			"CreateDeviceDistributeJob": {ErrorRate: 1, Count: 1, HTTPStatus: 504, AfterEffect: true},
		}})
		j := newDistributeJob(ns, p.Name, byName(devices...)...)
		Expect(k8sClient.Create(ctx, j)).To(Succeed())
		waitReady(j)
		jobs := simJobsOf(pk)
		Expect(jobs).To(HaveLen(1), "no second job")
		Expect(j.Status.JobID).To(Equal(jobs[0].JobID))
		Expect(j.Status.PendingCreate).To(BeNil())
		Expect(j.Status.Succeeded).To(BeEquivalentTo(2))
		// Events are written asynchronously by the recorder.
		Eventually(func(g Gomega) int {
			return countReason(managedEvents(g, "DistributeJob", j.Name), iotv1.ReasonReconcileError)
		}).
			Should(BeNumerically(">=", 1), "the lost answer was reported")
	})

	It("makes one job when the job a lost create made is listed only later", func() {
		ns := jobNamespace()
		p, devices := labelledFleet(ns, 2, nil)
		pk := fleetProductKey(p)
		// The create takes effect but its answer is lost, and the
		// platform's list does not show the new job yet: the restarted
		// search finds nothing.
		setFaults(iotsim.Faults{JobListLag: iotsim.Duration(time.Hour), Actions: map[string]iotsim.ActionFault{
			"CreateDeviceDistributeJob": {ErrorRate: 1, Count: 1, HTTPStatus: 504, AfterEffect: true},
		}})
		j := newDistributeJob(ns, p.Name, byName(devices...)...)
		Expect(k8sClient.Create(ctx, j)).To(Succeed())

		By("a job not listed yet is searched for again, not created again")
		Eventually(func(g Gomega) {
			g.Expect(conditionOf(g, j, iotv1.ConditionReady).Reason).To(Equal(iotv1.ReasonCreateUnconfirmed))
		}).Should(Succeed())
		Expect(j.Status.PendingCreate).NotTo(BeNil(), "the intent is kept while the job may exist")
		Expect(simJobsOf(pk)).To(HaveLen(1))

		By("once the platform lists it, the job is recorded")
		sim.SetFaults(iotsim.Faults{})
		waitReady(j)
		jobs := simJobsOf(pk)
		Expect(jobs).To(HaveLen(1), "exactly one job on the platform")
		Expect(j.Status.Jobs).To(HaveLen(1))
		Expect(j.Status.Jobs[0].JobID).To(Equal(jobs[0].JobID))
		Expect(j.Status.PendingCreate).To(BeNil())

		By("deleting the resource deletes the job it made")
		Expect(k8sClient.Delete(ctx, j)).To(Succeed())
		Eventually(func() bool { return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(j), j)) }).Should(BeTrue())
		Expect(simJobsOf(pk)).To(BeEmpty())
	})

	It("distributes a product alone, and can delete the finished job's record itself", func() {
		ns := jobNamespace()
		p := newProduct(unique("Alone_"))
		p.Namespace = ns
		Expect(k8sClient.Create(ctx, p)).To(Succeed())
		pk := fleetProductKey(readyProduct(p))
		j := newDistributeJob(ns, p.Name)
		j.Spec.DeleteFinishedJobs = true
		Expect(k8sClient.Create(ctx, j)).To(Succeed())
		waitReady(j)
		Expect(conditionOf(Default, j, iotv1.ConditionReady).Message).To(ContainSubstring("the product was distributed"))
		Expect(j.Status.Total).To(BeZero())
		Expect(j.Status.Jobs).To(HaveLen(1))
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(j), j)).To(Succeed())
			g.Expect(j.Status.Jobs[0].RecordDeleted).To(BeTrue())
		}).Should(Succeed())
		Expect(simJobsOf(pk)).To(BeEmpty(), "deleteFinishedJobs freed the account's record")
		inSingapore := false
		for _, sp := range sim.Snapshot().Products {
			inSingapore = inSingapore || (sp.ProductKey == pk && sp.InstanceID == singaporeInstance)
		}
		Expect(inSingapore).To(BeTrue(), "the product was copied to Singapore")
	})

	It("does not ask again for a job the platform refused, until retry-failed says so", func() {
		ns := jobNamespace()
		p, devices := labelledFleet(ns, 1, nil)
		j := newDistributeJob(ns, p.Name, byName(devices...)...)
		j.Spec.TargetUID = "1234567890123456" // an account the platform does not know
		Expect(k8sClient.Create(ctx, j)).To(Succeed())
		DeferCleanup(func() { Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, j))).To(Succeed()) })
		waitPhase(j, iotv1.PhaseFailed)
		synced := conditionOf(Default, j, iotv1.ConditionSynced)
		Expect(synced.Reason).To(Equal(iotv1.ReasonInvalidSpec))
		Expect(synced.Message).To(ContainSubstring("AccountNotFound"))
		Expect(synced.Message).To(ContainSubstring(iotv1.AnnotationRetryFailed))

		creates := sim.Calls("CreateDeviceDistributeJob")
		update(j, func() { j.Annotations = map[string]string{iotv1.AnnotationReconcileRequestedAt: "look-again"} })
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(j), j)).To(Succeed())
			g.Expect(j.Status.LastHandledReconcileAt).To(Equal("look-again"))
		}).Should(Succeed())
		Expect(sim.Calls("CreateDeviceDistributeJob")).To(Equal(creates), "a reconcile does not repeat a refused create")
		Expect(conditionOf(Default, j, iotv1.ConditionSynced).Message).To(ContainSubstring("AccountNotFound"))

		retryFailed(j, "account-fixed")
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(j), j)).To(Succeed())
			g.Expect(j.Status.RetryToken).To(Equal("account-fixed"))
			g.Expect(j.Status.Phase).To(Equal(iotv1.PhaseFailed))
		}).Should(Succeed())
		Expect(sim.Calls("CreateDeviceDistributeJob")).To(Equal(creates+1), "retry-failed asks the platform once more")
	})

	It("leaves the job's record with deletionPolicy Orphan", func() {
		ns := jobNamespace()
		p, devices := labelledFleet(ns, 1, nil)
		pk := fleetProductKey(p)
		j := newDistributeJob(ns, p.Name, byName(devices...)...)
		j.Spec.DeletionPolicy = iotv1.DeletionPolicyOrphan
		Expect(k8sClient.Create(ctx, j)).To(Succeed())
		waitReady(j)
		Expect(k8sClient.Delete(ctx, j)).To(Succeed())
		Eventually(func() bool { return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(j), j)) }).Should(BeTrue())
		Expect(simJobsOf(pk)).To(HaveLen(1))
	})

	It("waits for its Product and Devices to be Ready before creating the job", func() {
		ns := jobNamespace()
		j := newDistributeJob(ns, "not-yet", "not-yet-device")
		Expect(k8sClient.Create(ctx, j)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(conditionOf(g, j, iotv1.ConditionReady).Reason).To(Equal(iotv1.ReasonProductNotReady))
		}).Should(Succeed())
		p := newProduct("Not_yet")
		p.Namespace = ns
		Expect(k8sClient.Create(ctx, p)).To(Succeed())
		Eventually(func(g Gomega) {
			ready := conditionOf(g, j, iotv1.ConditionReady)
			g.Expect(ready.Reason).To(Equal(iotv1.ReasonDevicesNotReady))
			g.Expect(ready.Message).To(ContainSubstring("not-yet-device"))
		}).Should(Succeed())
		Expect(j.Status.Phase).To(Equal(iotv1.PhasePending))
		d := newDevice("not-yet-device", p.Name)
		d.Namespace = ns
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		waitReady(j)
	})

	DescribeTable("refuses at admission",
		func(mutate func(*iotv1.DistributeJob), message string) {
			j := newDistributeJob("default", "some-product", "some-device")
			mutate(j)
			err := k8sClient.Create(ctx, j)
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%v", err)
			Expect(err.Error()).To(ContainSubstring(message))
		},
		Entry("productRef and productKey together", func(j *iotv1.DistributeJob) { j.Spec.ProductKey = "a1Key" },
			"exactly one of productRef and productKey"),
		Entry("no product", func(j *iotv1.DistributeJob) { j.Spec.ProductRef = nil }, "exactly one of productRef and productKey"),
		Entry("targetUid and targetAliyunId together", func(j *iotv1.DistributeJob) { j.Spec.TargetAliyunID = iotsim.DefaultAliyunID },
			"exactly one of targetUid and targetAliyunId"),
		Entry("no target account", func(j *iotv1.DistributeJob) { j.Spec.TargetUID = "" }, "exactly one of targetUid and targetAliyunId"),
		Entry("no targets", func(j *iotv1.DistributeJob) { j.Spec.Targets = nil }, "spec.targets"),
		Entry("two targets with strategy Region", func(j *iotv1.DistributeJob) {
			j.Spec.Targets = append(j.Spec.Targets, iotv1.DistributeTarget{Region: "ap-northeast-1"})
		}, "strategy Region distributes to exactly one target"),
		Entry("an unknown strategy", func(j *iotv1.DistributeJob) { j.Spec.Strategy = "Fastest" }, "spec.strategy"),
		Entry("a target with neither instance nor region", func(j *iotv1.DistributeJob) { j.Spec.Targets = []iotv1.DistributeTarget{{}} },
			"name the target's instanceId, its region"),
		Entry("a Device named twice", func(j *iotv1.DistributeJob) { j.Spec.Devices = []string{"light", "light"} }, "spec.devices"),
		Entry("a DeviceName the platform refuses", func(j *iotv1.DistributeJob) {
			j.Spec.DeviceNames = []string{"no spaces"}
		}, "spec.deviceNames[0]"),
		Entry("more than 10,000 devices", func(j *iotv1.DistributeJob) {
			j.Spec.Devices = make([]string, iotv1.MaxDistributeDevices+1)
			for i := range j.Spec.Devices {
				j.Spec.Devices[i] = fmt.Sprintf("dev-%05d", i)
			}
		}, "spec.devices: Too many"),
		Entry("more than 10,000 devices and deviceNames together", func(j *iotv1.DistributeJob) {
			j.Spec.Devices, j.Spec.DeviceNames = make([]string, 5001), make([]string, 5000)
			for i := range j.Spec.Devices {
				j.Spec.Devices[i] = fmt.Sprintf("dev-%05d", i)
			}
			for i := range j.Spec.DeviceNames {
				j.Spec.DeviceNames[i] = fmt.Sprintf("raw-%05d", i)
			}
		}, "at most 10000 devices"),
		Entry("the product alone to two targets", func(j *iotv1.DistributeJob) {
			j.Spec.Devices, j.Spec.Strategy = nil, iotv1.DistributeStrategyNearest
			j.Spec.Targets = append(j.Spec.Targets, iotv1.DistributeTarget{Region: "ap-northeast-1"})
		}, "the product alone"),
		Entry("managementPolicy ObserveOnly", func(j *iotv1.DistributeJob) { j.Spec.ManagementPolicy = iotv1.ManagementPolicyObserveOnly },
			"managementPolicy must be Manage"),
	)

	It("refuses any change to the spec", func() {
		j := newDistributeJob(jobNamespace(), "some-product", "some-device")
		Expect(k8sClient.Create(ctx, j)).To(Succeed())
		DeferCleanup(func() { Expect(k8sClient.Delete(ctx, j)).To(Succeed()) })
		err := tryUpdate(j, func() { j.Spec.Targets = []iotv1.DistributeTarget{{Region: "ap-northeast-1"}} })
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%v", err)
		Expect(err.Error()).To(ContainSubstring("spec is immutable"))
		err = tryUpdate(j, func() { j.Spec.DeletionPolicy = iotv1.DeletionPolicyOrphan })
		Expect(err).To(HaveOccurred())
		Expect(strings.Contains(err.Error(), "spec is immutable")).To(BeTrue(), "%v", err)
	})
})

// expectMovedToSingapore waits until Device d says, in its status and its
// Secret, that job j moved it to the Singapore instance.
func expectMovedToSingapore(d *iotv1.Device, j *iotv1.DistributeJob, productKey string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		g.Expect(k8sClient.Get(context.Background(), client.ObjectKeyFromObject(d), d)).To(Succeed())
		loc := d.Status.Location
		g.Expect(loc).NotTo(BeNil(), "%s's location", d.Name)
		g.Expect(loc.InstanceID).To(Equal(singaporeInstance))
		g.Expect(loc.Region).To(Equal(singaporeRegion))
		g.Expect(loc.MQTTHost).To(Equal(device.MQTTHost(productKey, singaporeRegion, "")))
		g.Expect(loc.DistributeJob).To(Equal(j.Name))
		g.Expect(loc.JobID).To(Equal(j.Status.JobID))
		var secret corev1.Secret
		g.Expect(k8sClient.Get(context.Background(), client.ObjectKey{Namespace: d.Namespace, Name: device.SecretName(d)}, &secret)).To(Succeed())
		g.Expect(string(secret.Data[device.SecretKeyTargetRegionID])).To(Equal(singaporeRegion))
		g.Expect(string(secret.Data[device.SecretKeyTargetIotInstanceID])).To(Equal(singaporeInstance))
		g.Expect(string(secret.Data[device.SecretKeyTargetMQTTHost])).To(Equal(loc.MQTTHost))
	}).Should(Succeed())
}
