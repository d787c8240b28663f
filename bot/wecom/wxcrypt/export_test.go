package wxcrypt

import (
	"crypto/aes"
	"crypto/cipher"
)

func encryptBlocks(c *Crypt, buf []byte) {
	cipher.NewCBCEncrypter(c.block, c.key[:aes.BlockSize]).CryptBlocks(buf, buf)
}
