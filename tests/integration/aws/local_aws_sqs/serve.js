// Serves local-aws-sqs on 127.0.0.1 and a free port, printed as "listening PORT" (test_aws_dlq_move_task).
const { createSqsServer } = require("local-aws-sqs");

createSqsServer({ port: 0, hostname: "127.0.0.1", region: "eu-west-2" }).then((server) => {
  console.log(`listening ${server.address().port}`);
});
