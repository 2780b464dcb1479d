"""A telemetry test application: runs the stored model "mlp" on the committed input every
`pause` seconds for `seconds` seconds, so its AI.INFO calls keep growing while it runs."""
import sys
import time

import numpy as np

import insitu

models, seconds, pause = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
c = insitu.Client(logger_name="telemetry-app")
x = np.load(models + "/mlp_traced.in0.npy")
end = time.time() + seconds
runs = 0
while time.time() < end:
    c.put_tensor("x", x)
    c.run_model("mlp", inputs=["x"], outputs=["y"])
    runs += 1
    time.sleep(pause)
print("telemetry app: runs", runs, flush=True)
