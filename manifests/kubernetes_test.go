package manifests

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
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
