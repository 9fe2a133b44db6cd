//go:build tools

// Temporary during the first build-out: keeps the planned dependencies in
// go.mod while the packages that import them are being written.
package main

import (
	_ "github.com/gorilla/websocket"
	_ "github.com/joho/godotenv"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/rivo/uniseg"
	_ "go.etcd.io/bbolt"
	_ "golang.org/x/net/html"
	_ "golang.org/x/text/unicode/norm"
)
