import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * Stands in for `@sinclair/typebox/compiler` in the browser bundle (see vite.config.ts). The real compiler builds
 * its checkers with `new Function`, which the server's Content-Security-Policy (`script-src 'self'`) forbids, and
 * `@metaoffice/protocol` compiles its checkers when the module loads, so the whole app would fail to start.
 * `Value.Check` gives the same verdicts by walking the schema; the few control messages a browser reads make the
 * speed difference irrelevant.
 */
export class TypeCheck<T extends TSchema> {
  constructor(
    private readonly schema: T,
    private readonly references: TSchema[] = [],
  ) {}
  Check(value: unknown): value is Static<T> {
    return Value.Check(this.schema, this.references, value);
  }
  Errors(value: unknown) {
    return Value.Errors(this.schema, this.references, value);
  }
  Schema(): T {
    return this.schema;
  }
  References(): TSchema[] {
    return this.references;
  }
  Code(): string {
    return '';
  }
  Decode(value: unknown) {
    return Value.Decode(this.schema, this.references, value);
  }
  Encode(value: unknown) {
    return Value.Encode(this.schema, this.references, value);
  }
}

export const TypeCompiler = {
  Compile<T extends TSchema>(schema: T, references: TSchema[] = []): TypeCheck<T> {
    return new TypeCheck(schema, references);
  },
  Code(): string {
    throw new Error('TypeCompiler.Code is not available in the browser build');
  },
};
