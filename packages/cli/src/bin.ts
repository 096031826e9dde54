process.stderr.write('graphchat: not yet implemented\n');
process.exit(1);
