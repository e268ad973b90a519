// Command etcd is etcd's own server (go.etcd.io/etcd/server/v3/etcdmain) at the version the
// Kubernetes release pins; etcd's server module cannot be `go install`ed for its replace lines.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
