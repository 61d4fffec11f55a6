"""Test support code: fixtures for the test environment and the LinkProxy."""
