package manifests

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// k8s reads one manifest of manifests/kubernetes.
func k8s(t *testing.T, name string, into any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("kubernetes", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

type probe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
}

type container struct {
	Name    string   `yaml:"name"`
	Image   string   `yaml:"image"`
	Args    []string `yaml:"args"`
	EnvFrom []struct {
		ConfigMapRef *struct{ Name string } `yaml:"configMapRef"`
		SecretRef    *struct{ Name string } `yaml:"secretRef"`
	} `yaml:"envFrom"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	Env []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			ResourceFieldRef *struct {
				ContainerName string `yaml:"containerName"`
				Resource      string `yaml:"resource"`
				Divisor       string `yaml:"divisor"`
			} `yaml:"resourceFieldRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	Liveness  *probe `yaml:"livenessProbe"`
	Readiness *probe `yaml:"readinessProbe"`
	Resources struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
}

// TestKubernetesManifests checks what a newcomer deploys: two replicas or
// more, probed on /healthz and /readyz where the bot listens, with
// resources, settings from the ConfigMap and Secret that the program
// reads, and PostgreSQL as the shared database.
func TestKubernetesManifests(t *testing.T) {
	var kust struct {
		Resources []string `yaml:"resources"`
	}
	k8s(t, "kustomization.yaml", &kust)
	for _, r := range kust.Resources {
		if _, err := os.Stat(filepath.Join("kubernetes", r)); err != nil {
			t.Errorf("kustomization lists %s: %v", r, err)
		}
	}

	var dep struct {
		Kind string `yaml:"kind"`
		Spec struct {
			Replicas int `yaml:"replicas"`
			Template struct {
				Spec struct {
					TerminationGracePeriodSeconds int         `yaml:"terminationGracePeriodSeconds"`
					InitContainers                []container `yaml:"initContainers"`
					Containers                    []container `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	k8s(t, "deployment.yaml", &dep)
	if dep.Kind != "Deployment" || dep.Spec.Replicas < 2 {
		t.Fatalf("want a Deployment of 2 replicas or more: %s of %d", dep.Kind, dep.Spec.Replicas)
	}
	if g := dep.Spec.Template.Spec.TerminationGracePeriodSeconds; g < 30 {
		t.Errorf("a grace of %d s cuts the graceful shutdown short (handlers 10 s, the post under way 15 s)", g)
	}
	cs := dep.Spec.Template.Spec.Containers
	if len(cs) != 1 || len(cs[0].Args) != 1 || cs[0].Args[0] != "serve" {
		t.Fatalf("containers: %+v", cs)
	}
	c := cs[0]
	if c.Liveness == nil || c.Liveness.HTTPGet.Path != "/healthz" || c.Readiness == nil || c.Readiness.HTTPGet.Path != "/readyz" {
		t.Errorf("probes: liveness %+v, readiness %+v", c.Liveness, c.Readiness)
	}
	if len(c.Ports) != 1 || c.Ports[0].Name != c.Liveness.HTTPGet.Port || c.Ports[0].ContainerPort != 8080 {
		t.Errorf("the probes' port is not the one the bot listens on: %+v", c.Ports)
	}
	if c.Resources.Requests["cpu"] == "" || c.Resources.Requests["memory"] == "" || c.Resources.Limits["memory"] == "" {
		t.Errorf("resources: %+v", c.Resources)
	}
	if ic := dep.Spec.Template.Spec.InitContainers; len(ic) != 1 || ic[0].Args[0] != "migrate" {
		t.Errorf("the schema is not migrated before the bot starts: %+v", ic)
	}
	refs := map[string]bool{}
	for _, e := range c.EnvFrom {
		if e.ConfigMapRef != nil {
			refs["configmap/"+e.ConfigMapRef.Name] = true
		}
		if e.SecretRef != nil {
			refs["secret/"+e.SecretRef.Name] = true
		}
	}

	var cm struct {
		Metadata struct{ Name string } `yaml:"metadata"`
		Data     map[string]string     `yaml:"data"`
	}
	k8s(t, "configmap.yaml", &cm)
	var secret struct {
		Metadata   struct{ Name string } `yaml:"metadata"`
		StringData map[string]string     `yaml:"stringData"`
	}
	k8s(t, "secret.example.yaml", &secret)
	if !refs["configmap/"+cm.Metadata.Name] || !refs["secret/"+secret.Metadata.Name] {
		t.Errorf("the container does not take its settings from ConfigMap %s and Secret %s: %v", cm.Metadata.Name, secret.Metadata.Name, refs)
	}
	if addr := cm.Data["HTTP_ADDR"]; !strings.HasSuffix(addr, ":8080") || strings.HasPrefix(addr, "127.") {
		t.Errorf("HTTP_ADDR %q: the probes could not reach it", addr)
	}
	if !strings.HasPrefix(secret.StringData["DATABASE_URL"], "postgres://") {
		t.Errorf("replicas must share PostgreSQL: DATABASE_URL %q", secret.StringData["DATABASE_URL"])
	}
	for _, k := range []string{"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"} {
		if secret.StringData[k] == "" {
			t.Errorf("the Secret has no %s", k)
		}
		if _, ok := cm.Data[k]; ok {
			t.Errorf("%s is in the ConfigMap: tokens belong in the Secret", k)
		}
	}
	// Every setting named is one the program reads (.env.example lists them).
	env, err := os.ReadFile(filepath.Join("..", ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#?([A-Z_]+)=`).FindAllStringSubmatch(string(env), -1) {
		known[m[1]] = true
	}
	for k := range cm.Data {
		if !known[k] {
			t.Errorf("the ConfigMap sets %s, which the program does not read", k)
		}
	}
	for k := range secret.StringData {
		if !known[k] {
			t.Errorf("the Secret sets %s, which the program does not read", k)
		}
	}
}

// labels is a label selector's matchLabels.
type labels struct {
	MatchLabels map[string]string `yaml:"matchLabels"`
}

// TestKubernetesHardening checks what an operator's first hour asks of the
// manifests: a pinned image tag, no service account token, GOMEMLIMIT from
// the memory limit, a disruption budget that never blocks a drain on an
// unhealthy pod, and a network policy that lets only the metrics scraper
// in.
func TestKubernetesHardening(t *testing.T) {
	var kust struct {
		Resources []string `yaml:"resources"`
		Images    []struct {
			Name    string `yaml:"name"`
			NewName string `yaml:"newName"`
			NewTag  string `yaml:"newTag"`
			Digest  string `yaml:"digest"`
		} `yaml:"images"`
	}
	k8s(t, "kustomization.yaml", &kust)
	var dep struct {
		Spec struct {
			Template struct {
				Metadata struct {
					Labels map[string]string `yaml:"labels"`
				} `yaml:"metadata"`
				Spec struct {
					AutomountServiceAccountToken *bool       `yaml:"automountServiceAccountToken"`
					InitContainers               []container `yaml:"initContainers"`
					Containers                   []container `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	k8s(t, "deployment.yaml", &dep)
	pod := dep.Spec.Template.Spec
	app := pod.Containers[0]

	t.Run("image tag", func(t *testing.T) {
		used := map[string]bool{}
		for _, c := range append(pod.InitContainers, pod.Containers...) {
			used[c.Image] = true
		}
		for _, img := range kust.Images {
			delete(used, img.Name)
			if img.Digest == "" && (img.NewTag == "" || img.NewTag == "latest") {
				t.Errorf("image %s: tag %q; name the version built, not latest", img.Name, img.NewTag)
			}
		}
		for img := range used {
			t.Errorf("image %s is not given a tag by kustomization.yaml", img)
		}
	})
	t.Run("no service account token", func(t *testing.T) {
		if a := pod.AutomountServiceAccountToken; a == nil || *a {
			t.Error("automountServiceAccountToken is not false: the pod gets a token to the Kubernetes API it never uses")
		}
	})
	t.Run("GOMEMLIMIT", func(t *testing.T) {
		for _, e := range app.Env {
			if e.Name != "GOMEMLIMIT" {
				continue
			}
			if e.ValueFrom == nil || e.ValueFrom.ResourceFieldRef == nil {
				t.Fatalf("GOMEMLIMIT is not read from the memory limit: %+v", e)
			}
			r := e.ValueFrom.ResourceFieldRef
			// A plain number is bytes to the Go runtime: the divisor must
			// leave it in bytes.
			if r.Resource != "limits.memory" || r.ContainerName != app.Name || r.Divisor != "1" {
				t.Errorf("GOMEMLIMIT from %+v; want limits.memory of %s in bytes (divisor 1)", *r, app.Name)
			}
			if app.Resources.Limits["memory"] == "" {
				t.Error("GOMEMLIMIT follows a memory limit that is not set")
			}
			return
		}
		t.Error("the container has no GOMEMLIMIT")
	})
	t.Run("disruption budget", func(t *testing.T) {
		var pdb struct {
			Kind string `yaml:"kind"`
			Spec struct {
				Selector                   labels `yaml:"selector"`
				UnhealthyPodEvictionPolicy string `yaml:"unhealthyPodEvictionPolicy"`
			} `yaml:"spec"`
		}
		k8s(t, "pdb.yaml", &pdb)
		if pdb.Kind != "PodDisruptionBudget" || pdb.Spec.UnhealthyPodEvictionPolicy != "AlwaysAllow" {
			t.Errorf("%s: unhealthyPodEvictionPolicy %q, want AlwaysAllow so a pod that is not ready never blocks a drain", pdb.Kind, pdb.Spec.UnhealthyPodEvictionPolicy)
		}
		if !selects(pdb.Spec.Selector, dep.Spec.Template.Metadata.Labels) {
			t.Errorf("the budget's selector %v does not select the pods %v", pdb.Spec.Selector, dep.Spec.Template.Metadata.Labels)
		}
	})
	t.Run("network policy", func(t *testing.T) {
		if !slices.Contains(kust.Resources, "networkpolicy.yaml") {
			t.Error("kustomization.yaml does not apply networkpolicy.yaml")
		}
		var np struct {
			Kind string `yaml:"kind"`
			Spec struct {
				PodSelector labels   `yaml:"podSelector"`
				PolicyTypes []string `yaml:"policyTypes"`
				Ingress     []struct {
					From []struct {
						NamespaceSelector *labels `yaml:"namespaceSelector"`
						PodSelector       *labels `yaml:"podSelector"`
						IPBlock           any     `yaml:"ipBlock"`
					} `yaml:"from"`
					Ports []struct {
						Protocol string `yaml:"protocol"`
						Port     any    `yaml:"port"`
					} `yaml:"ports"`
				} `yaml:"ingress"`
			} `yaml:"spec"`
		}
		k8s(t, "networkpolicy.yaml", &np)
		if np.Kind != "NetworkPolicy" || !slices.Contains(np.Spec.PolicyTypes, "Ingress") {
			t.Fatalf("%s with policy types %v: incoming traffic is not restricted", np.Kind, np.Spec.PolicyTypes)
		}
		if !selects(np.Spec.PodSelector, dep.Spec.Template.Metadata.Labels) || len(np.Spec.PodSelector.MatchLabels) == 0 {
			t.Errorf("the policy's selector %v does not select the pods %v", np.Spec.PodSelector, dep.Spec.Template.Metadata.Labels)
		}
		if len(np.Spec.Ingress) != 1 {
			t.Fatalf("%d ingress rules, want one: the metrics scraper's", len(np.Spec.Ingress))
		}
		rule := np.Spec.Ingress[0]
		if len(rule.From) != 1 || rule.From[0].PodSelector == nil || len(rule.From[0].PodSelector.MatchLabels) == 0 ||
			rule.From[0].NamespaceSelector == nil || len(rule.From[0].NamespaceSelector.MatchLabels) == 0 || rule.From[0].IPBlock != nil {
			t.Errorf("the rule lets in %+v; want the scraper's pods in its namespace, by labels, and nothing else", rule.From)
		}
		metricsPort := app.Ports[0]
		if len(rule.Ports) != 1 || (rule.Ports[0].Port != metricsPort.ContainerPort && rule.Ports[0].Port != metricsPort.Name) {
			t.Errorf("the rule opens %+v; want the port /metrics is served on, %d, alone", rule.Ports, metricsPort.ContainerPort)
		}
	})
}

// selects says whether a selector's labels are all among a pod's.
func selects(sel labels, pod map[string]string) bool {
	for k, v := range sel.MatchLabels {
		if pod[k] != v {
			return false
		}
	}
	return true
}

// TestDockerfile checks the image: base images pinned by digest, the
// listener reachable from outside the container on the port it exposes,
// and OCI labels with the version built.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	pinned := regexp.MustCompile(`@sha256:[0-9a-f]{64}(\s|$)`)
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(df, -1)
	if len(froms) == 0 {
		t.Fatal("no FROM line")
	}
	for _, f := range froms {
		if !pinned.MatchString(f[1] + " ") {
			t.Errorf("FROM %s is not pinned by digest", f[1])
		}
	}
	for _, want := range []string{
		"ENV HTTP_ADDR=0.0.0.0:8080",
		"EXPOSE 8080",
		"ARG VERSION=",
		`org.opencontainers.image.version="${VERSION}"`,
		`org.opencontainers.image.revision="${REVISION}"`,
		`org.opencontainers.image.created="${CREATED}"`,
		`org.opencontainers.image.title=`,
		`-X main.version=${VERSION}`,
	} {
		if !strings.Contains(df, want) {
			t.Errorf("the Dockerfile has no %s", want)
		}
	}
}
