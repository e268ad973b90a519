// Command istio-injector serves Istio's sidecar injection webhook (istio.io/istio/pkg/kube/inject,
// the handler istiod mounts at /inject) outside a cluster, for meshtune's end-to-end suite.
//
// istiod itself cannot be built from the Go module proxy this project is limited to: its bootstrap
// imports github.com/agentgateway/agentgateway/api, which the proxy does not serve. So this host
// wires the injector up the way pilot/pkg/bootstrap does (sidecarinjector.go, mesh.go): a file
// watcher on the release's injection config and values, the mesh config from a file, the
// ProxyConfig resources from the apiserver (which take precedence over a pod's proxy.istio.io/config
// annotation), and the multicluster controller over the apiserver's Nodes for
// ENABLE_NATIVE_SIDECARS=auto. Everything that decides what a pod gets is Istio's own code.
package main

import (
	"context"
	"flag"
	"log"
	"net/http"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"istio.io/istio/pilot/pkg/config/kube/crdclient"
	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pkg/cluster"
	"istio.io/istio/pkg/config"
	"istio.io/istio/pkg/config/mesh/meshwatcher"
	"istio.io/istio/pkg/config/schema/collection"
	"istio.io/istio/pkg/config/schema/collections"
	"istio.io/istio/pkg/config/schema/gvk"
	"istio.io/istio/pkg/filewatcher"
	"istio.io/istio/pkg/kube"
	"istio.io/istio/pkg/kube/inject"
	"istio.io/istio/pkg/kube/krt"
	"istio.io/istio/pkg/kube/multicluster"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the apiserver")
	injectDir := flag.String("inject-dir", "", "directory holding the injection template (config) and values (values)")
	meshFile := flag.String("mesh-config", "", "mesh config file (the istio ConfigMap's mesh key)")
	listen := flag.String("listen", "127.0.0.1:15017", "address to serve /inject on over HTTPS")
	certFile := flag.String("tls-cert", "", "serving certificate (PEM)")
	keyFile := flag.String("tls-key", "", "serving key (PEM)")
	namespace := flag.String("namespace", "istio-system", "istiod's namespace")
	flag.Parse()

	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	stop := ctx.Done()

	client, err := kube.NewClient(kube.BuildClientCmd(*kubeconfig, ""), cluster.ID("Kubernetes"))
	if err != nil {
		log.Fatalf("cannot build a client for %s: %v", *kubeconfig, err)
	}
	// As istiod does (pilot/pkg/bootstrap/server.go): informers for Istio's CRDs wait for them.
	client = kube.EnableCrdWatcher(client)

	files := filewatcher.NewWatcher()
	opts := krt.NewOptionsBuilder(stop, "mesh", krt.GlobalDebugHandler)
	source, err := meshwatcher.NewFileSource(files, *meshFile, opts)
	if err != nil {
		log.Fatalf("cannot read the mesh config %s: %v", *meshFile, err)
	}
	meshConfig := meshwatcher.NewCollection(opts, source)
	meshConfig.AsCollection().WaitUntilSynced(stop)
	env := model.NewEnvironment()
	env.Watcher = meshwatcher.ConfigAdapter(meshConfig)

	// The injector reads ProxyConfig through the push context, which istiod rebuilds on changes;
	// here only its ProxyConfigs are kept current.
	store := crdclient.NewForSchemas(client, crdclient.Option{}, collection.SchemasFor(collections.ProxyConfig))
	refresh := func() {
		push := model.NewPushContext()
		push.ProxyConfigs = model.GetProxyConfigs(store, env.Mesh())
		env.SetPushContext(push)
	}
	store.RegisterEventHandler(gvk.ProxyConfig, func(config.Config, config.Config, model.Event) { refresh() })
	refresh()

	clusters := multicluster.NewController(multicluster.ControllerOptions{
		Client:          client,
		ClusterID:       cluster.ID("Kubernetes"),
		SystemNamespace: *namespace,
		MeshConfig:      env.Watcher,
	})
	watcher, err := inject.NewFileWatcher(filepath.Join(*injectDir, "config"), filepath.Join(*injectDir, "values"))
	if err != nil {
		log.Fatalf("cannot watch the injection config in %s: %v", *injectDir, err)
	}
	mux := http.NewServeMux()
	webhook, err := inject.NewWebhook(inject.WebhookParameters{
		Watcher: watcher, Env: env, Mux: mux, MultiCluster: clusters,
	})
	if err != nil {
		log.Fatalf("cannot create the injection webhook: %v", err)
	}
	mux.HandleFunc("/ready", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })

	if err := clusters.Run(stop); err != nil {
		log.Fatalf("cannot start the cluster controller: %v", err)
	}
	go store.Run(stop)
	client.RunAndWait(stop)
	if !kube.WaitForCacheSync("ProxyConfig", stop, store.HasSynced) {
		log.Fatalf("the ProxyConfig informer did not sync")
	}
	refresh()
	webhook.Run(stop)

	server := &http.Server{Addr: *listen, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-stop
		shutdown, done := context.WithTimeout(context.Background(), 5*time.Second)
		defer done()
		_ = server.Shutdown(shutdown)
	}()
	log.Printf("serving Istio's injection webhook on https://%s/inject", *listen)
	if err := server.ListenAndServeTLS(*certFile, *keyFile); err != nil && err != http.ErrServerClosed {
		log.Fatalf("cannot serve on %s: %v", *listen, err)
	}
}
