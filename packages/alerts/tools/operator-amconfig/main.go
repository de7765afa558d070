// operator-amconfig prints the Alertmanager configuration prometheus-operator generates from a base
// configuration and AlertmanagerConfig objects, using the operator's own code
// (github.com/prometheus-operator/prometheus-operator, pkg/alertmanager: NewConfigBuilder,
// InitializeFromRawConfiguration, AddAlertmanagerConfigs; the version is pinned in go.mod).
// The tests feed it the bundle's AlertmanagerConfig and kube-prometheus-stack's default base config
// and check the result with amtool.
//
//	operator-amconfig --base base.yaml --namespace monitoring --strategy OnNamespace \
//	  --config alertmanagerconfig.json [--config ...] [--secrets secrets.json] [--alertmanager-version 0.32.1]
//
// --config and --secrets take JSON or YAML; --secrets is a list of core/v1 Secrets (data or stringData).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/blang/semver/v4"
	"github.com/prometheus-operator/prometheus-operator/pkg/alertmanager"
	validationv1alpha1 "github.com/prometheus-operator/prometheus-operator/pkg/alertmanager/validation/v1alpha1"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	monitoringv1alpha1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1alpha1"
	"github.com/prometheus-operator/prometheus-operator/pkg/assets"
	"github.com/prometheus-operator/prometheus-operator/pkg/operator"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

type files []string

func (f *files) String() string     { return strings.Join(*f, ",") }
func (f *files) Set(v string) error { *f = append(*f, v); return nil }

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "operator-amconfig:", err)
		os.Exit(1)
	}
}

func run() (err error) {
	var configs files
	base := flag.String("base", "", "base Alertmanager configuration (YAML), e.g. kube-prometheus-stack's alertmanager.config")
	namespace := flag.String("namespace", "", "namespace of the Alertmanager object")
	strategy := flag.String("strategy", "", "alertmanagerConfigMatcherStrategy.type: OnNamespace (default), OnNamespaceExceptForAlertmanagerNamespace or None")
	secretsFile := flag.String("secrets", "", "Secrets the AlertmanagerConfig objects reference (JSON/YAML list)")
	amVersion := flag.String("alertmanager-version", strings.TrimPrefix(operator.DefaultAlertmanagerVersion, "v"), "Alertmanager version the configuration is generated for")
	flag.Var(&configs, "config", "an AlertmanagerConfig object (JSON/YAML); repeatable")
	flag.Parse()
	if *base == "" || *namespace == "" || len(configs) == 0 {
		flag.Usage()
		return errors.New("--base, --namespace and --config are required")
	}
	switch monitoringv1.AlertmanagerConfigMatcherStrategyType(*strategy) {
	case "", monitoringv1.OnNamespaceConfigMatcherStrategyType, monitoringv1.OnNamespaceExceptForAlertmanagerNamespaceConfigMatcherStrategyType, monitoringv1.NoneConfigMatcherStrategyType:
	default:
		return fmt.Errorf("--strategy: unknown matcher strategy %q", *strategy)
	}
	version, err := semver.ParseTolerant(*amVersion)
	if err != nil {
		return fmt.Errorf("--alertmanager-version: %w", err)
	}

	var objects []any
	if *secretsFile != "" {
		var secrets []corev1.Secret
		if err := readStrict(*secretsFile, &secrets); err != nil {
			return err
		}
		for i := range secrets {
			s := &secrets[i]
			// The API server folds stringData into data; do the same.
			if s.Data == nil {
				s.Data = map[string][]byte{}
			}
			for k, v := range s.StringData {
				s.Data[k] = []byte(v)
			}
			objects = append(objects, s)
		}
	}

	amConfigs := map[string]*monitoringv1alpha1.AlertmanagerConfig{}
	for _, file := range configs {
		amc := &monitoringv1alpha1.AlertmanagerConfig{}
		if err := readStrict(file, amc); err != nil {
			return err
		}
		if amc.Namespace == "" || amc.Name == "" {
			return fmt.Errorf("%s: metadata.name and metadata.namespace are required", file)
		}
		if err := validationv1alpha1.ValidateAlertmanagerConfig(amc); err != nil {
			return fmt.Errorf("%s: AlertmanagerConfig %s/%s: %w", file, amc.Namespace, amc.Name, err)
		}
		amConfigs[amc.Namespace+"/"+amc.Name] = amc
	}

	raw, err := os.ReadFile(*base)
	if err != nil {
		return err
	}

	am := &monitoringv1.Alertmanager{
		ObjectMeta: metav1.ObjectMeta{Name: "main", Namespace: *namespace},
		Spec: monitoringv1.AlertmanagerSpec{
			AlertmanagerConfigMatcherStrategy: monitoringv1.AlertmanagerConfigMatcherStrategy{
				Type: monitoringv1.AlertmanagerConfigMatcherStrategyType(*strategy),
			},
		},
	}
	// The test store has no API client: a Secret that is not given makes it dereference nil.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("a referenced Secret is missing from --secrets (%v)", r)
		}
	}()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cb := alertmanager.NewConfigBuilder(logger, version, assets.NewTestStoreBuilder(objects...), am)
	if err := cb.InitializeFromRawConfiguration(raw); err != nil {
		return fmt.Errorf("--base %s: %w", *base, err)
	}
	if err := cb.AddAlertmanagerConfigs(context.Background(), amConfigs); err != nil {
		return err
	}
	out, err := cb.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(out)
	return err
}

// readStrict decodes JSON or YAML and refuses unknown fields, as the API server's schema would.
func readStrict(file string, into any) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if err := yaml.UnmarshalStrict(b, into); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}
