"""A hand-written PyTorch timing loop with no harness code, to validate the harness's numbers.

Run inside the torch environment: `python benchmarks/measure/bare_loop.py STEPS`. Prints the median
train-step time in ms of the same MLP (784-256-10, batch 64, SGD lr 0.1) on one pinned core.
"""
import os
import statistics
import sys
import time

os.sched_setaffinity(0, [sorted(os.sched_getaffinity(0))[0]])
import torch  # noqa: E402

torch.set_num_threads(1)


class MLP(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = torch.nn.Linear(784, 256), torch.nn.Linear(256, 10)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


model = MLP()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(64, 784), torch.randint(0, 10, (64,))
times = []
for i in range(int(sys.argv[1]) + 20):
    t = time.perf_counter()
    optimizer.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    loss.item()
    if i >= 20:
        times.append((time.perf_counter() - t) * 1000)
print(statistics.median(times))
