// Package cifp is the root of the Climate Investment & Financing Platform
// (气候投融资数智平台). It holds what every feature package shares: the
// version, the error type and its codes.
//
// Dependencies run one way: cmd → web → feature packages (org, auth, audit, …)
// → store. The pure calculations of a feature import nothing from the project
// beyond this package.
package cifp

// Version is the platform's version, set at build time with
// -ldflags "-X cifp.Version=…".
var Version = "0.1.0-dev"
