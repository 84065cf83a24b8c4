throw new Error('cannot start: missing configuration');
