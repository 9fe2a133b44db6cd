// Package storetest holds what tests share about storage: Open and
// OpenPath give a test a real, empty store in its temporary directory
// (closed when the test ends), and the fixture builders (fixtures.go) make
// the stories tests add to it, so that every test builds them one way.
//
// The conformance suite (conformance*.go) runs the behaviours commands rely
// on against every engine; see package shelf for the contract.
package storetest
