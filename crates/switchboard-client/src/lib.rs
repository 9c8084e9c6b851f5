//! A typed HTTP client for Switchboard, shared by the CLI, the benchmarks and the tests.
