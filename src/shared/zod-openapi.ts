import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// zod-to-openapi needs this before any schema it documents is built; every schema module
// imports safe-text.ts, which imports this file first.
extendZodWithOpenApi(z);
