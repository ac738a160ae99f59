// The player loop: pulls chunks of epochs from the worker until told to stop. Main thread.
//
// It can never run twice: `play` while running only moves the target. Each round trip
// asks the worker for at most `budgetMs` of work, so Pause takes effect within one chunk.
// A speed limit (epochs per second) paces the chunks by animation frames; 0 means as
// fast as the worker goes.

const BUDGET_MS = 40;

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(resolve));

export class Player {
  // train(maxEpochs, budgetMs) -> Promise<chunk>; onChunk(chunk) -> "stop" to end the run.
  constructor({ train, onChunk, onEnd }) {
    this.train = train;
    this.onChunk = onChunk;
    this.onEnd = onEnd;
    this.running = false;
    this.wanted = false;
    this.epoch = 0;
    this.target = 0;
    this.speed = 0;
  }

  play(target) {
    this.target = target;
    this.wanted = true;
    if (!this.running) this.#loop();
  }

  pause() {
    this.wanted = false;
  }

  // Resolves once the loop has stopped (after the chunk in flight, if any).
  async idle() {
    while (this.running) await nextFrame();
  }

  async #loop() {
    this.running = true;
    let credit = 0;
    let last = performance.now();
    let reason = "target";
    try {
      while (this.wanted && this.epoch < this.target) {
        let max = this.target - this.epoch;
        if (this.speed > 0) {
          await nextFrame();
          const now = performance.now();
          // At most a frame's share of epochs per round trip (1 at slow speeds), so a slow
          // speed shows every epoch even when frames come late.
          credit = Math.min(credit + ((now - last) / 1000) * this.speed, Math.max(1, Math.ceil(this.speed / 30)));
          last = now;
          if (credit < 1) continue;
          max = Math.min(max, Math.floor(credit));
          credit -= max;
        }
        const chunk = await this.train(max, BUDGET_MS);
        if (chunk.ok && chunk.epoch.length) this.epoch = chunk.epoch.at(-1);
        if (this.onChunk(chunk) === "stop") {
          reason = "stopped";
          break;
        }
      }
      if (reason === "target" && this.epoch < this.target) reason = "paused";
    } catch (error) {
      reason = error;
    } finally {
      this.running = false;
      this.wanted = false;
    }
    this.onEnd(reason);
  }
}
