// One audio queue per page: announcements play strictly one after another.
// A single <audio> element is reused, and the next clip starts only on the
// previous clip's `ended` (or `error`), so two calls can never overlap.
// window.__audioLog records queued/start/end times for tests and for
// technicians looking at a silent hall (open the browser console).
"use strict";

class AudioQueue {
  constructor({ fetchClip, rate = 1, onBlocked = () => {}, onUnblocked = () => {} }) {
    this.fetchClip = fetchClip;   // item -> Promise<Blob>
    this.rate = rate;             // playbackRate; tests speed clips up
    this.items = [];
    this.busy = false;
    this.blocked = false;
    this.onBlocked = onBlocked;
    this.onUnblocked = onUnblocked;
    this.audio = new Audio();
    this.audio.preload = "auto";
    this.log = [];
    window.__audioLog = this.log;
  }

  // Fetching starts at once so a long queue never waits on the network.
  enqueue(item) {
    item.clip = this.fetchClip(item).catch((err) => { item.fetchError = err; return null; });
    this.items.push(item);
    this.log.push({ kind: "queued", key: item.key, t: performance.now() });
    this._pump();
  }

  get length() { return this.items.length + (this.busy ? 1 : 0); }

  // Called from the "enable sound" button (a user gesture unlocks autoplay).
  unlock() {
    this.blocked = false;
    this.onUnblocked();
    this._pump();
  }

  async _pump() {
    if (this.busy || this.blocked || this.items.length === 0) return;
    this.busy = true;
    const item = this.items[0];
    try {
      const blob = await item.clip;
      if (!blob) {
        this.log.push({ kind: "failed", key: item.key, t: performance.now(), error: String(item.fetchError) });
        this.items.shift();
        return;
      }
      const url = URL.createObjectURL(blob);
      try {
        await this._play(item, url);
        this.items.shift();
      } finally {
        URL.revokeObjectURL(url);
      }
    } catch (err) {
      if (err && err.name === "NotAllowedError") {
        // Autoplay refused: keep the item, show the button, resume on click.
        this.blocked = true;
        this.log.push({ kind: "blocked", key: item.key, t: performance.now() });
        console.warn("motcua: autoplay blocked, waiting for the enable-sound button");
        this.onBlocked();
      } else {
        this.log.push({ kind: "failed", key: item.key, t: performance.now(), error: String(err) });
        this.items.shift();
      }
    } finally {
      this.busy = false;
      if (!this.blocked) setTimeout(() => this._pump(), 0);
    }
  }

  _play(item, url) {
    const audio = this.audio;
    return new Promise((resolve, reject) => {
      let started = false;
      const cleanup = () => {
        audio.removeEventListener("ended", onEnded);
        audio.removeEventListener("error", onError);
        audio.removeEventListener("playing", onPlaying);
      };
      const onPlaying = () => {
        if (started) return;
        started = true;
        this.log.push({ kind: "start", key: item.key, t: performance.now() });
      };
      const onEnded = () => {
        cleanup();
        this.log.push({ kind: "end", key: item.key, t: performance.now() });
        resolve();
      };
      const onError = () => { cleanup(); reject(new Error("audio element error")); };
      audio.addEventListener("playing", onPlaying);
      audio.addEventListener("ended", onEnded);
      audio.addEventListener("error", onError);
      audio.src = url;
      audio.defaultPlaybackRate = this.rate;
      audio.playbackRate = this.rate;
      const p = audio.play();
      if (p && p.catch) p.catch((err) => { cleanup(); reject(err); });
    });
  }
}

window.AudioQueue = AudioQueue;
