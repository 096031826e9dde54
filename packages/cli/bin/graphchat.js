#!/usr/bin/env node
// Committed entry point, so npm can link the command at install time, before
// the TypeScript build has produced dist/.
import '../dist/bin.js';
