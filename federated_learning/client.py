"""A demo Flower client: trains the numpy model of `federated_learning.model` on one shard.

    python -m federated_learning.client --address HOST:PORT --token TOKEN --shard 1/2

The federated-server page shows this exact command with its address and token. `--insecure`
is for a server reached without TLS (the sandbox, on loopback); through the platform's HTTPS
router leave it out. Exit codes: 0 the server finished with us, 3 the token was refused,
4 the server could not be reached within --wait seconds.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

import grpc
import numpy as np
from flwr.client import NumPyClient, start_client

from federated_learning import model
from federated_learning.auth import BearerTokenClientInterceptor

REFUSED = 3
UNREACHABLE = 4


class ShardClient(NumPyClient):
    def __init__(self, shard: model.Shard, epochs: int, learning_rate: float) -> None:
        self.shard = shard
        self.epochs = epochs
        self.learning_rate = learning_rate

    def get_parameters(self, config):
        return model.initial_weights()

    def fit(self, parameters, config):
        weights = model.train(
            [np.asarray(p) for p in parameters],
            self.shard.x_train,
            self.shard.y_train,
            epochs=self.epochs,
            learning_rate=self.learning_rate,
        )
        loss, accuracy = model.evaluate(weights, self.shard.x_train, self.shard.y_train)
        return weights, len(self.shard.y_train), {"loss": loss, "accuracy": accuracy}

    def evaluate(self, parameters, config):
        loss, accuracy = model.evaluate(
            [np.asarray(p) for p in parameters], self.shard.x_test, self.shard.y_test
        )
        return loss, len(self.shard.y_test), {"accuracy": accuracy, "loss": loss}


def _with_token(token: str) -> None:
    """Send the token on every call: Flower's client has no hook for call metadata, so its
    channel factory is wrapped to add our interceptor (what ai4flwr's client plugin does
    through TLS call credentials; an interceptor also works on an insecure loopback)."""
    from flwr.compat.client.grpc_client import connection

    original = connection.create_channel

    def create_channel(*args, **kwargs):
        kwargs["interceptors"] = [BearerTokenClientInterceptor(token)]
        return original(*args, **kwargs)

    connection.create_channel = create_channel


def parse_shard(text: str) -> tuple[int, int]:
    try:
        index, count = (int(part) for part in text.split("/", 1))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"--shard {text!r}: expected INDEX/COUNT, e.g. 1/2"
        ) from exc
    if count < 1 or not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"--shard {text}: INDEX must be between 1 and {count}")
    return index, count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m federated_learning.client")
    parser.add_argument("--address", required=True, help="the server's HOST:PORT")
    parser.add_argument("--token", required=True, help="the deployment's federated token")
    parser.add_argument("--shard", type=parse_shard, default=(1, 1), help="INDEX/COUNT")
    parser.add_argument("--insecure", action="store_true", help="no TLS (loopback sandbox)")
    parser.add_argument("--epochs", type=int, default=3, help="local epochs per round")
    parser.add_argument("--learning-rate", type=float, default=0.004)
    parser.add_argument(
        "--wait", type=float, default=60.0, help="seconds to keep trying to reach the server"
    )
    args = parser.parse_args(argv)
    logging.getLogger("flwr").setLevel(logging.WARNING)

    index, count = args.shard
    client = ShardClient(model.shard(index, count), args.epochs, args.learning_rate)
    _with_token(args.token)
    deadline = time.monotonic() + args.wait
    while True:
        try:
            start_client(
                server_address=args.address, client=client.to_client(), insecure=args.insecure
            )
        except grpc.RpcError as exc:
            code = exc.code() if callable(getattr(exc, "code", None)) else None
            if code == grpc.StatusCode.UNAUTHENTICATED:
                print("The server refused the token: check --token.", file=sys.stderr)
                return REFUSED
            if code == grpc.StatusCode.UNAVAILABLE and time.monotonic() < deadline:
                time.sleep(1.0)
                continue
            print(f"Could not take part: {code or exc}.", file=sys.stderr)
            return UNREACHABLE
        print(f"Shard {index}/{count}: the server has finished the run.")
        return 0


if __name__ == "__main__":
    sys.exit(main())
