"""The offline marketplace the tool is proven against: real HTTP on loopback, documented shapes."""

from analyzer.sandbox.app import SandboxConfig, create_app
from analyzer.sandbox.server import RunningSandbox, start_sandbox

__all__ = ["RunningSandbox", "SandboxConfig", "create_app", "start_sandbox"]
