#!/bin/sh
echo "starting $APP_HOME"
