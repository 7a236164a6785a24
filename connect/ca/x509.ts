// The one entry point to @peculiar/x509 in Lattice. Its dependency tsyringe refuses to load without the Reflect
// metadata API (it reads `Reflect.getMetadata` at import time), and no polyfill package is installed, so this file
// installs the three functions tsyringe calls before the library is evaluated: ES modules run imports in order.

import './reflect-metadata.js';

export * from '@peculiar/x509';
