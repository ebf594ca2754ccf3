package controllers

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// The deployed operator's metrics endpoint, built from production's
// defaults (only the address changed) and run with the operator's own
// identity and RBAC (config/rbac), against the suite's kube-apiserver: it
// asks that API server who each caller is (TokenReview) and whether it may
// GET /metrics (SubjectAccessReview).
var _ = Describe("The metrics endpoint", func() {
	const namespace = "metrics-auth-spec"

	It("serves HTTPS to ServiceAccounts bound to kiot-metrics-reader only", func(ctx SpecContext) {
		admin, err := kubernetes.NewForConfig(restCfg)
		Expect(err).NotTo(HaveOccurred())

		// The operator's ClusterRole, and the metrics reader role, as
		// config/rbac ships them.
		out, err := kubectlCmd("apply", "-k", filepath.Join("..", "config", "rbac"))
		Expect(err).NotTo(HaveOccurred(), out)
		operator := "system:serviceaccount:kiot-system:kiot-controller-manager"
		for _, resource := range []authorizationv1.ResourceAttributes{
			{Group: "authentication.k8s.io", Resource: "tokenreviews", Verb: "create"},
			{Group: "authorization.k8s.io", Resource: "subjectaccessreviews", Verb: "create"},
		} {
			Eventually(func() bool { return allowed(ctx, admin, operator, &resource, nil) }).Should(BeTrue(),
				"the operator may create %s", resource.Resource)
		}

		// Two ServiceAccounts: one bound to kiot-metrics-reader, one not.
		ensureNamespace(namespace)
		for _, name := range []string{"scraper", "stranger"} {
			_, err := admin.CoreV1().ServiceAccounts(namespace).Create(ctx,
				&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(func(ctx context.Context) {
				Expect(admin.CoreV1().ServiceAccounts(namespace).Delete(ctx, name, metav1.DeleteOptions{})).To(Succeed())
			})
		}
		binding := &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "metrics-auth-spec-scraper"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "kiot-metrics-reader"},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: namespace, Name: "scraper"}},
		}
		_, err = admin.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func(ctx context.Context) {
			Expect(admin.RbacV1().ClusterRoleBindings().Delete(ctx, binding.Name, metav1.DeleteOptions{})).To(Succeed())
		})
		// The endpoint caches a denial for 30 s: ask only once RBAC knows
		// the binding.
		scraperUser := "system:serviceaccount:" + namespace + ":scraper"
		metricsPath := &authorizationv1.NonResourceAttributes{Path: "/metrics", Verb: "get"}
		Eventually(func() bool { return allowed(ctx, admin, scraperUser, nil, metricsPath) }).Should(BeTrue())
		Expect(allowed(ctx, admin, "system:serviceaccount:"+namespace+":stranger", nil, metricsPath)).To(BeFalse())

		scraperToken := serviceAccountToken(ctx, admin, namespace, "scraper")
		strangerToken := serviceAccountToken(ctx, admin, namespace, "stranger")

		// The server, as NewManager builds it, as the operator.
		operatorUser, err := testEnv.AddUser(envtest.User{Name: operator,
			Groups: []string{"system:serviceaccounts", "system:serviceaccounts:kiot-system", "system:authenticated"}}, nil)
		Expect(err).NotTo(HaveOccurred())
		o := DefaultManagerOptions()
		o.MetricsAddr = "127.0.0.1:0"
		operatorCfg := operatorUser.Config()
		httpClient, err := rest.HTTPClientFor(operatorCfg)
		Expect(err).NotTo(HaveOccurred())
		server, err := metricsserver.NewServer(metricsServerOptions(o), operatorCfg, httpClient)
		Expect(err).NotTo(HaveOccurred())
		serverCtx, stop := context.WithCancel(context.Background())
		stopped := make(chan struct{})
		go func() {
			defer GinkgoRecover()
			defer close(stopped)
			Expect(server.Start(serverCtx)).To(Succeed())
		}()
		DeferCleanup(func() {
			stop()
			Eventually(stopped).Should(BeClosed())
		})
		// The address the listener got (port 0): controller-runtime's
		// server reports it for tests.
		bound := server.(interface{ GetBindAddr() string })
		Eventually(bound.GetBindAddr).ShouldNot(BeEmpty())
		addr := bound.GetBindAddr()

		// The certificate is self-signed: the TLS is for privacy, the
		// token for identity.
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		scrape := func(token string) (int, string) {
			GinkgoHelper()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+addr+"/metrics", nil)
			Expect(err).NotTo(HaveOccurred())
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := client.Do(req)
			Expect(err).NotTo(HaveOccurred())
			defer func() { _ = resp.Body.Close() }()
			body, err := io.ReadAll(resp.Body)
			Expect(err).NotTo(HaveOccurred())
			return resp.StatusCode, string(body)
		}

		code, _ := scrape("")
		Expect(code).To(Equal(http.StatusUnauthorized), "no token")
		// A token the API server rejects is refused too; controller-runtime's
		// filter answers it 500 ("Authentication failed"), not 401, because
		// the token authenticator reports a rejected token as an error.
		code, body := scrape("not-a-token")
		Expect(code).NotTo(Equal(http.StatusOK), "a token the API server does not know")
		Expect(body).NotTo(ContainSubstring("kiot_"))
		code, _ = scrape(strangerToken)
		Expect(code).To(Equal(http.StatusForbidden), "a ServiceAccount without kiot-metrics-reader")
		// Kiot's fleet metrics (always reported, docs/metrics.md) and
		// controller-runtime's, once the suite's manager leads.
		Eventually(func(g Gomega) {
			code, body := scrape(scraperToken)
			g.Expect(code).To(Equal(http.StatusOK), body)
			g.Expect(body).To(ContainSubstring(`kiot_devices{state="ONLINE"}`))
			g.Expect(body).To(ContainSubstring(`kiot_distributejobs{phase="Completed"}`))
			g.Expect(body).To(ContainSubstring("controller_runtime_reconcile_total"))
		}).Should(Succeed())
		// Plain HTTP gets no metrics, token or not: the TLS listener
		// answers 400 and closes, which can reach the client as a reset.
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set("Authorization", "Bearer "+scraperToken)
		if resp, err := client.Do(req); err == nil {
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			Expect(resp.StatusCode).To(Equal(http.StatusBadRequest))
			Expect(string(body)).NotTo(ContainSubstring("kiot_"))
		}
	})
})

// allowed asks the API server whether user may do what resource or
// nonResource describes.
func allowed(ctx context.Context, admin kubernetes.Interface, user string,
	resource *authorizationv1.ResourceAttributes, nonResource *authorizationv1.NonResourceAttributes) bool {
	GinkgoHelper()
	review, err := admin.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{
		Spec: authorizationv1.SubjectAccessReviewSpec{User: user, ResourceAttributes: resource, NonResourceAttributes: nonResource},
	}, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred())
	return review.Status.Allowed
}

// serviceAccountToken requests a short-lived token for a ServiceAccount
// (the TokenRequest API, as a kubelet does for a pod).
func serviceAccountToken(ctx context.Context, admin kubernetes.Interface, namespace, name string) string {
	GinkgoHelper()
	expiry := int64(600)
	request, err := admin.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &expiry}}, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred())
	Expect(request.Status.Token).NotTo(BeEmpty())
	return request.Status.Token
}
