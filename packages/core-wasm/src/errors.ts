/** An error in what the caller asked for (a spec, a shape, a value), with a one-line message. */
export class PacgenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PacgenError';
  }
}
